package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.Status;
import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A branch that is prepared when its transaction completes without phase 2 reaching its connection
 * (the TM's commit failed transiently and left it to recovery) must survive on the database until
 * recovery commits it, and its connection must never be handed out again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UnfinishedBranchContract {

  abstract List<DatabaseKind> databases();

  Stream<DatabaseKind> cases() {
    return databases().stream();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void preparedBranchLeftToRecoveryIsKeptAndItsConnectionRetired(DatabaseKind kind)
      throws Exception {
    ScriptedJta jta = new ScriptedJta();
    try (TestDatabase db = TestDatabase.create(kind);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta)
                .synchronizationRegistry(jta)
                .build()) {
      db.execute("create table item (id int primary key, v varchar(50))");
      jta.begin();
      ScriptedJta.Tx tx = jta.tx();
      try (Connection connection = pool.getConnection()) {
        XaPoolContract.insert(connection, 1, "prepared, then left to recovery");
      }
      XAResource branch = tx.enlisted.get(0);
      branch.end(tx.xid, XAResource.TMSUCCESS);
      assertThat(branch.prepare(tx.xid)).isEqualTo(XAResource.XA_OK);
      tx.complete(Status.STATUS_COMMITTED); // phase 2 never reached this connection
      jta.rollback(); // only disassociates the thread

      assertThat(pool.metrics().total()).as("the connection left the pool").isZero();
      boolean h2 = kind == DatabaseKind.H2_MEM || kind == DatabaseKind.H2_FILE;
      assertThat(pool.quarantinedConnections())
          .as("H2 would roll the branch back if its session closed, so it is kept open")
          .isEqualTo(h2 ? 1 : 0);

      XAResource scan = pool.xaResourceRecovery().getXAResources()[0];
      Xid[] inDoubt = scan.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
      Xid found =
          Arrays.stream(inDoubt)
              .filter(x -> RecordedXid.sameXid(x, tx.xid))
              .findFirst()
              .orElseThrow(() -> new AssertionError("the prepared branch was lost"));
      scan.commit(found, false);
      assertThat(XaPoolContract.count(db)).isEqualTo(1);

      pool.housekeepNow();
      assertThat(pool.quarantinedConnections()).as("released once recovery finished").isZero();
      try (Connection connection = pool.getConnection()) {
        XaPoolContract.insert(connection, 2, "a fresh connection");
      }
      assertThat(XaPoolContract.count(db)).isEqualTo(2);
      ((RecoveryXAResource) scan).close();
    }
  }
}
