package io.concord.recovery;

import java.util.Arrays;
import java.util.HexFormat;
import javax.transaction.xa.Xid;

/**
 * A branch identity compared by content: drivers return their own {@link Xid} classes, some without
 * {@code equals} (H2's {@code JdbcXid}), so recovery keys every map by formatId, gtrid and bqual.
 */
final class XidKey {
  private final int formatId;
  private final byte[] gtrid;
  private final byte[] bqual;
  private final int hash;

  private XidKey(int formatId, byte[] gtrid, byte[] bqual) {
    this.formatId = formatId;
    this.gtrid = gtrid;
    this.bqual = bqual;
    this.hash = (31 * formatId + Arrays.hashCode(gtrid)) * 31 + Arrays.hashCode(bqual);
  }

  static XidKey of(Xid xid) {
    byte[] gtrid = xid.getGlobalTransactionId();
    byte[] bqual = xid.getBranchQualifier();
    return new XidKey(
        xid.getFormatId(),
        gtrid == null ? new byte[0] : gtrid,
        bqual == null ? new byte[0] : bqual);
  }

  static XidKey of(int formatId, byte[] gtrid, byte[] bqual) {
    return new XidKey(formatId, gtrid.clone(), bqual.clone());
  }

  int formatId() {
    return formatId;
  }

  GtridKey gtrid() {
    return new GtridKey(gtrid);
  }

  byte[] bqual() {
    return bqual.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof XidKey that
        && that.hash == hash
        && that.formatId == formatId
        && Arrays.equals(that.gtrid, gtrid)
        && Arrays.equals(that.bqual, bqual);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return Integer.toHexString(formatId) + ":" + hex.formatHex(gtrid) + ":" + hex.formatHex(bqual);
  }
}
