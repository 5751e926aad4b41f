package io.concord.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves each test database is set up for XA: a branch prepared on one connection is listed by
 * recover() on a second one and committed from there. This is the test that fails when PostgreSQL's
 * max_prepared_transactions is 0.
 */
@DatabaseTest
class XaSmokeTest {

  /** A minimal Xid for this test alone; Concord's own lives in io.concord.xa. */
  private record TestXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
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

    boolean sameAs(Xid other) {
      return other.getFormatId() == formatId
          && Arrays.equals(other.getGlobalTransactionId(), gtrid)
          && Arrays.equals(other.getBranchQualifier(), bqual);
    }
  }

  @ParameterizedTest
  @EnumSource(DatabaseKind.class)
  void preparedBranchIsRecoveredAndCommittedFromAnotherConnection(DatabaseKind kind)
      throws Exception {
    try (TestDatabase db = TestDatabase.create(kind)) {
      db.execute("create table smoke (id int primary key, v varchar(20))");
      XADataSource xaDataSource = db.xaDataSource();
      TestXid xid =
          new TestXid(
              0x5A5A,
              ByteBuffer.allocate(16)
                  .putLong(ThreadLocalRandom.current().nextLong())
                  .putLong(System.nanoTime())
                  .array(),
              new byte[] {1});

      XAConnection first = xaDataSource.getXAConnection();
      XAResource firstResource = first.getXAResource();
      // One handle, taken before start and kept open: closing it mid-branch rolls H2 back.
      Connection handle = first.getConnection();
      firstResource.start(xid, XAResource.TMNOFLAGS);
      try (Statement s = handle.createStatement()) {
        s.executeUpdate("insert into smoke values (1, 'prepared')");
      }
      firstResource.end(xid, XAResource.TMSUCCESS);
      assertThat(firstResource.prepare(xid)).isEqualTo(XAResource.XA_OK);
      if (kind.isServer()) {
        // PostgreSQL and MariaDB keep a prepared branch when its session ends (and MariaDB
        // refuses phase 2 from another session while the owner lives); H2 would roll it back.
        first.close();
      }

      XAConnection second = xaDataSource.getXAConnection();
      try {
        XAResource secondResource = second.getXAResource();
        Xid[] inDoubt = secondResource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        Xid found = Arrays.stream(inDoubt).filter(xid::sameAs).findFirst().orElse(null);
        assertThat(found).as("recover() on a second connection lists the prepared Xid").isNotNull();
        secondResource.commit(found, false);
      } finally {
        second.close();
        first.close();
      }

      assertThat(db.queryLong("select count(*) from smoke where v = 'prepared'")).isEqualTo(1);
    }
  }
}
