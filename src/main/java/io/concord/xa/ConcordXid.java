package io.concord.xa;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import javax.transaction.xa.Xid;

/**
 * Concord's transaction branch identifier: a value type ({@code equals}/{@code hashCode} by
 * content) in one fixed format, so that recovery can tell Concord's Xids, and among them the Xids
 * of one node, from everybody else's.
 *
 * <p>Format (see CONTRACTS §3): formatId {@value #FORMAT_ID} ({@code "CONC"}); gtrid = version byte
 * ({@value #VERSION}) + node-id length byte + node id (UTF-8, 1..{@value #MAX_NODE_ID_BYTES} bytes)
 * + incarnation (8 bytes, big-endian) + counter (8 bytes, big-endian); bqual = branch number (4
 * bytes, big-endian, 1, 2, … within a transaction). The incarnation comes from the write-ahead log
 * and grows on every start, so (node id, incarnation, counter) never repeats across restarts.
 */
public final class ConcordXid implements Xid {

  /** {@code "CONC"} as a big-endian int. */
  public static final int FORMAT_ID = 0x434F4E43;

  /** Version of the gtrid layout; the first gtrid byte. */
  public static final byte VERSION = 1;

  /** Longest node id, in UTF-8 bytes. */
  public static final int MAX_NODE_ID_BYTES = 32;

  private static final int BQUAL_LENGTH = 4;
  private static final int FIXED_GTRID_BYTES = 1 + 1 + 8 + 8;

  private final byte[] gtrid;
  private final int branch;
  private final int hash;

  private ConcordXid(byte[] gtrid, int branch) {
    this.gtrid = gtrid;
    this.branch = branch;
    this.hash = 31 * Arrays.hashCode(gtrid) + branch;
  }

  /**
   * Creates a Xid. Most callers use a {@link Factory}, which encodes the node id only once.
   *
   * @throws IllegalArgumentException for an invalid node id or a branch number below 1
   */
  public static ConcordXid of(String nodeId, long incarnation, long counter, int branch) {
    return new Factory(nodeId, incarnation).create(counter, branch);
  }

  /** The same global transaction, another branch. */
  public ConcordXid withBranch(int branchNumber) {
    requireBranch(branchNumber);
    return branchNumber == branch ? this : new ConcordXid(gtrid, branchNumber);
  }

  /**
   * Reads any {@link Xid} as a Concord Xid: empty for a foreign formatId or a gtrid/bqual that is
   * not in Concord's format (recovery uses this to ignore other transaction managers' branches).
   */
  public static Optional<ConcordXid> parse(Xid xid) {
    if (xid == null) {
      return Optional.empty();
    }
    if (xid instanceof ConcordXid concordXid) {
      return Optional.of(concordXid);
    }
    return fromParts(xid.getFormatId(), xid.getGlobalTransactionId(), xid.getBranchQualifier());
  }

  /**
   * Builds a Concord Xid from its raw parts (for example a gtrid and bqual read back from the log):
   * empty when they are not in Concord's format. The arrays are copied.
   */
  public static Optional<ConcordXid> fromParts(int formatId, byte[] gtrid, byte[] bqual) {
    if (formatId != FORMAT_ID || !isWellFormedGtrid(gtrid) || !isWellFormedBqual(bqual)) {
      return Optional.empty();
    }
    int branch = readInt(bqual, 0);
    if (branch < 1) {
      return Optional.empty();
    }
    return Optional.of(new ConcordXid(gtrid.clone(), branch));
  }

  /** True when {@code gtrid} has Concord's gtrid layout (any node id). */
  public static boolean isWellFormedGtrid(byte[] gtrid) {
    if (gtrid == null || gtrid.length < FIXED_GTRID_BYTES + 1 || gtrid[0] != VERSION) {
      return false;
    }
    int nodeIdLength = gtrid[1] & 0xFF;
    return nodeIdLength >= 1
        && nodeIdLength <= MAX_NODE_ID_BYTES
        && gtrid.length == FIXED_GTRID_BYTES + nodeIdLength;
  }

  private static boolean isWellFormedBqual(byte[] bqual) {
    return bqual != null && bqual.length == BQUAL_LENGTH;
  }

  /** The node id written into a well-formed gtrid; empty when the gtrid is not Concord's. */
  public static Optional<String> nodeIdOf(byte[] gtrid) {
    if (!isWellFormedGtrid(gtrid)) {
      return Optional.empty();
    }
    return Optional.of(new String(gtrid, 2, gtrid[1] & 0xFF, StandardCharsets.UTF_8));
  }

  /**
   * A filter that keeps only Concord Xids written by one of {@code nodeIds}; every foreign or
   * malformed Xid is rejected. Recovery must never touch anything else (JTA-SPEC "Failure
   * Recovery": ignore transactions that do not belong to it; MariaDB's XA RECOVER is server-wide).
   */
  public static Predicate<Xid> ownedBy(Collection<String> nodeIds) {
    Set<String> owners = Set.copyOf(nodeIds);
    return xid -> parse(xid).map(x -> owners.contains(x.nodeId())).orElse(false);
  }

  /** Compares any two Xids by content (drivers' own Xid classes often lack {@code equals}). */
  public static boolean sameXid(Xid a, Xid b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    return a.getFormatId() == b.getFormatId()
        && Arrays.equals(a.getGlobalTransactionId(), b.getGlobalTransactionId())
        && Arrays.equals(a.getBranchQualifier(), b.getBranchQualifier());
  }

  /**
   * Checks a node id: 1..{@value #MAX_NODE_ID_BYTES} bytes of UTF-8, no control characters.
   *
   * @return the node id
   * @throws IllegalArgumentException with a message that says what is wrong
   */
  public static String requireValidNodeId(String nodeId) {
    if (nodeId == null || nodeId.isEmpty()) {
      throw new IllegalArgumentException("node id must not be empty");
    }
    int bytes = nodeId.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NODE_ID_BYTES) {
      throw new IllegalArgumentException(
          "node id '"
              + nodeId
              + "' is "
              + bytes
              + " bytes of UTF-8; at most "
              + MAX_NODE_ID_BYTES
              + " fit into a Concord Xid");
    }
    for (int i = 0; i < nodeId.length(); i++) {
      if (Character.isISOControl(nodeId.charAt(i))) {
        throw new IllegalArgumentException(
            "node id must not contain control characters (position " + i + ")");
      }
    }
    return nodeId;
  }

  @Override
  public int getFormatId() {
    return FORMAT_ID;
  }

  /** A copy: drivers receive arrays they may keep or change without harming this value. */
  @Override
  public byte[] getGlobalTransactionId() {
    return gtrid.clone();
  }

  @Override
  public byte[] getBranchQualifier() {
    byte[] bqual = new byte[BQUAL_LENGTH];
    writeInt(bqual, 0, branch);
    return bqual;
  }

  /** The node id of the transaction manager that created this Xid. */
  public String nodeId() {
    return new String(gtrid, 2, gtrid[1] & 0xFF, StandardCharsets.UTF_8);
  }

  /** The log incarnation of the process that created this Xid. */
  public long incarnation() {
    return readLong(gtrid, 2 + (gtrid[1] & 0xFF));
  }

  /** The transaction's number within its incarnation. */
  public long counter() {
    return readLong(gtrid, 2 + (gtrid[1] & 0xFF) + 8);
  }

  /** The branch number (1, 2, … in enlistment order). */
  public int branchNumber() {
    return branch;
  }

  /** True when {@code other} belongs to the same global transaction (any branch, any class). */
  public boolean sameGlobalTransaction(Xid other) {
    return other != null
        && other.getFormatId() == FORMAT_ID
        && Arrays.equals(gtrid, other.getGlobalTransactionId());
  }

  /** True when {@code otherGtrid} is this Xid's gtrid. */
  public boolean hasGtrid(byte[] otherGtrid) {
    return Arrays.equals(gtrid, otherGtrid);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof ConcordXid other
            && other.hash == hash
            && other.branch == branch
            && Arrays.equals(other.gtrid, gtrid));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** {@code CONC:<node>:<incarnation>:<counter>/<branch>}, readable in logs and messages. */
  @Override
  public String toString() {
    return "CONC:" + nodeId() + ":" + incarnation() + ":" + counter() + "/" + branch;
  }

  /** The gtrid in hexadecimal, as some databases display it (MariaDB's XA RECOVER). */
  public String gtridHex() {
    return HexFormat.of().formatHex(gtrid);
  }

  /**
   * Makes Xids for one (node id, incarnation): encodes the node id once, so creating a Xid costs
   * one gtrid array. Thread-safe and immutable.
   */
  public static final class Factory {
    private final byte[] prefix;
    private final String nodeId;
    private final long incarnation;

    public Factory(String nodeId, long incarnation) {
      requireValidNodeId(nodeId);
      byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
      this.prefix = new byte[2 + node.length + 8];
      prefix[0] = VERSION;
      prefix[1] = (byte) node.length;
      System.arraycopy(node, 0, prefix, 2, node.length);
      writeLong(prefix, 2 + node.length, incarnation);
      this.nodeId = nodeId;
      this.incarnation = incarnation;
    }

    /** The Xid of branch {@code branch} of transaction {@code counter}. */
    public ConcordXid create(long counter, int branch) {
      requireBranch(branch);
      byte[] gtrid = Arrays.copyOf(prefix, prefix.length + 8);
      writeLong(gtrid, prefix.length, counter);
      return new ConcordXid(gtrid, branch);
    }

    public String nodeId() {
      return nodeId;
    }

    public long incarnation() {
      return incarnation;
    }
  }

  private static void requireBranch(int branch) {
    if (branch < 1) {
      throw new IllegalArgumentException("branch numbers start at 1, got " + branch);
    }
  }

  private static void writeLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long readLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }

  private static void writeInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }
}
