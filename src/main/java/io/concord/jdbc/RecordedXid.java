package io.concord.jdbc;

import java.util.Arrays;
import java.util.HexFormat;
import javax.transaction.xa.Xid;

/**
 * An Xid read back from somewhere (the marker table), compared by content: H2's own Xid class has
 * no equals, and a recovery manager compares by value anyway.
 */
final class RecordedXid implements Xid {
  private static final HexFormat HEX = HexFormat.of();

  private final int formatId;
  private final byte[] gtrid;
  private final byte[] bqual;

  RecordedXid(int formatId, byte[] gtrid, byte[] bqual) {
    this.formatId = formatId;
    this.gtrid = gtrid.clone();
    this.bqual = bqual.clone();
  }

  static RecordedXid fromHex(int formatId, String gtridHex, String bqualHex) {
    return new RecordedXid(formatId, HEX.parseHex(gtridHex), HEX.parseHex(bqualHex));
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static boolean sameXid(Xid a, Xid b) {
    return a.getFormatId() == b.getFormatId()
        && Arrays.equals(a.getGlobalTransactionId(), b.getGlobalTransactionId())
        && Arrays.equals(a.getBranchQualifier(), b.getBranchQualifier());
  }

  @Override
  public int getFormatId() {
    return formatId;
  }

  @Override
  public byte[] getGlobalTransactionId() {
    return gtrid.clone();
  }

  @Override
  public byte[] getBranchQualifier() {
    return bqual.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Xid xid && sameXid(this, xid);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * formatId + Arrays.hashCode(gtrid)) + Arrays.hashCode(bqual);
  }

  @Override
  public String toString() {
    return "Xid[formatId=" + formatId + ", gtrid=" + hex(gtrid) + ", bqual=" + hex(bqual) + "]";
  }
}
