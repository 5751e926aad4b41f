package io.concord.lock;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import javax.transaction.xa.Xid;

/** A unique Xid for raw XA tests of this package alone (MariaDB's XA RECOVER is server-wide). */
record TestXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
  static TestXid random() {
    return new TestXid(
        0x4C4F434B, // "LOCK"
        ByteBuffer.allocate(16)
            .putLong(ThreadLocalRandom.current().nextLong())
            .putLong(System.nanoTime())
            .array(),
        new byte[] {1});
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
}
