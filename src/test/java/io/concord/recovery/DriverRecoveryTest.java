package io.concord.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import io.concord.xa.ConcordXid;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Recovery against the real drivers, without Concord's TM or pool: branches prepared with raw XA
 * calls, COMMIT records written by hand, then one recovery manager finishing them. Proves the
 * driver quirks of reference §3 turn into neither lost commits nor false heuristics.
 */
@DatabaseTest
class DriverRecoveryTest {
  @TempDir Path dir;
  private final String node = "t" + UUID.randomUUID().toString().substring(0, 8);
  private TransactionLog log;
  private ConcordXid.Factory xids;
  private final List<XAConnection> owners = new ArrayList<>();
  private long counter;

  @BeforeEach
  void openLog() throws Exception {
    log =
        TransactionLog.open(LogOptions.builder(dir).nodeId(node).forceMode(ForceMode.NONE).build());
    xids = new ConcordXid.Factory(node, log.incarnation());
  }

  @AfterEach
  void close() {
    for (XAConnection c : owners) {
      try {
        c.close();
      } catch (Exception e) {
        // the owner may already be gone
      }
    }
    log.close();
  }

  private RecoveryManager manager(TestDatabase db) {
    RecoveryManager manager =
        new RecoveryManager(
            log,
            RecoveryOptions.builder(node)
                .orphanGrace(Duration.ZERO)
                .interval(Duration.ZERO)
                .build(),
            InFlightTransactions.NONE);
    manager.addXAResourceRecovery(new DriverRecoverySource(db.name(), db.xaDataSource()));
    return manager;
  }

  /** Prepares one branch running {@code sql}; returns the still-open owner connection. */
  private XAConnection prepare(TestDatabase db, ConcordXid xid, String sql) throws Exception {
    XAConnection connection = db.xaDataSource().getXAConnection();
    owners.add(connection);
    XAResource resource = connection.getXAResource();
    Connection handle = connection.getConnection();
    resource.start(xid, XAResource.TMNOFLAGS);
    try (Statement s = handle.createStatement()) {
      if (sql.startsWith("select")) {
        s.executeQuery(sql).close();
      } else {
        s.executeUpdate(sql);
      }
    }
    resource.end(xid, XAResource.TMSUCCESS);
    assertThat(resource.prepare(xid)).isEqualTo(XAResource.XA_OK);
    return connection;
  }

  private ConcordXid newXid() {
    return xids.create(++counter, 1);
  }

  private void logCommit(TestDatabase db, ConcordXid... branches) throws Exception {
    List<BranchRecord> records = new ArrayList<>();
    for (ConcordXid b : branches) {
      records.add(new BranchRecord(db.name(), b.getBranchQualifier()));
    }
    log.appendCommit(
        new CommitRecord(
            branches[0].getGlobalTransactionId(), records, System.currentTimeMillis()));
  }

  private static List<Long> ids(TestDatabase db) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select id from t order by id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  private List<String> ourPrepared(TestDatabase db) {
    return PreparedBranches.of(db, node);
  }

  private static void disconnectOwners(TestDatabase db, List<XAConnection> owners)
      throws Exception {
    if (db.kind() == DatabaseKind.H2_FILE) {
      return; // closing an H2 XA connection rolls its prepared branch back; a crash would not
    }
    for (XAConnection c : owners) {
      c.close();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DatabaseKind.class,
      names = {"H2_FILE", "POSTGRES", "MARIADB"})
  void commitsLoggedBranchesAndRollsBackOrphans(DatabaseKind kind) throws Exception {
    try (TestDatabase db = TestDatabase.create(kind)) {
      db.execute("create table t (id bigint primary key, v int)");
      ConcordXid c1 = newXid();
      ConcordXid c2 = newXid();
      ConcordXid o1 = newXid();
      ConcordXid o2 = newXid();
      ConcordXid o3 = newXid();
      List<XAConnection> prepared = new ArrayList<>();
      long id = 1;
      for (ConcordXid x : List.of(c1, c2, o1, o2, o3)) {
        prepared.add(prepare(db, x, "insert into t values (" + id++ + ", 0)"));
      }
      logCommit(db, c1);
      logCommit(db, c2);
      disconnectOwners(db, prepared);
      RecoveryManager manager = manager(db);

      RecoveryReport first = manager.runOnce();
      assertThat(first.committed()).hasSize(2);
      assertThat(first.leftAlone()).hasSize(3);
      RecoveryReport second = manager.runOnce();

      // three orphans in one pass: H2 rolls back only one per recover() listing
      assertThat(second.rolledBack()).hasSize(3);
      assertThat(second.leftAlone()).isEmpty();
      assertThat(second.newHeuristics()).isEmpty();
      assertThat(first.endedRecords()).isEqualTo(2);
      assertThat(ids(db)).containsExactly(1L, 2L);
      assertThat(ourPrepared(db)).isEmpty();
    }
  }

  @Test
  void mariaDbBranchOfALiveOwnerIsRetriedAndCommittedOnceTheOwnerIsGone() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.MARIADB)) {
      db.execute("create table t (id bigint primary key, v int)");
      ConcordXid x = newXid();
      XAConnection owner = prepare(db, x, "insert into t values (1, 0)");
      logCommit(db, x);
      RecoveryManager manager = manager(db);

      RecoveryReport whileOwnerLives = manager.runOnce();
      assertThat(whileOwnerLives.committed()).isEmpty();
      assertThat(whileOwnerLives.newHeuristics()).isEmpty();
      assertThat(whileOwnerLives.leftAlone())
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.reason()).isEqualTo(RecoveryReport.Reason.RETRY);
                assertThat(l.detail()).contains("XAER_NOTA");
              });
      assertThat(whileOwnerLives.openRecords()).hasSize(1);

      owner.close();
      RecoveryReport afterwards = manager.runOnce();
      assertThat(afterwards.committed()).hasSize(1);
      assertThat(afterwards.endedRecords()).isEqualTo(1);
      assertThat(ids(db)).containsExactly(1L);
      assertThat(ourPrepared(db)).isEmpty();
    }
  }

  @Test
  void mariaDbReadOnlyBranchAfterDisconnectIsNoHeuristic() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.MARIADB)) {
      db.execute("create table t (id bigint primary key, v int)", "insert into t values (7, 0)");
      ConcordXid writer = newXid();
      ConcordXid reader = writer.withBranch(2);
      XAConnection w = prepare(db, writer, "insert into t values (8, 0)");
      XAConnection r = prepare(db, reader, "select v from t where id = 7");
      logCommit(db, writer, reader);
      w.close();
      r.close();
      RecoveryManager manager = manager(db);

      RecoveryReport report = manager.runOnce();

      assertThat(report.newHeuristics()).isEmpty();
      assertThat(manager.heuristics()).isEmpty();
      assertThat(report.committed()).hasSize(2);
      assertThat(report.endedRecords()).isEqualTo(1);
      assertThat(ids(db)).containsExactly(7L, 8L);
      assertThat(ourPrepared(db)).isEmpty();
    }
  }

  @Test
  void mariaDbReadOnlyBranchIsNoHeuristicThroughConcordDataSourceRecoveryToo() throws Exception {
    // Concord's recovery resources open their connection (and learn their driver) on the first XA
    // call, after recovery has looked at them: the MariaDB rule must still apply
    try (TestDatabase db = TestDatabase.create(DatabaseKind.MARIADB)) {
      db.execute("create table t (id bigint primary key, v int)", "insert into t values (7, 0)");
      ConcordXid writer = newXid();
      ConcordXid reader = writer.withBranch(2);
      prepare(db, writer, "insert into t values (8, 0)").close();
      prepare(db, reader, "select v from t where id = 7").close();
      logCommit(db, writer, reader);
      io.concord.tm.ConcordTransactionManager tm =
          io.concord.tm.ConcordTransactionManager.builder(log).nodeId(node).build();
      RecoveryManager manager =
          new RecoveryManager(
              log,
              RecoveryOptions.builder(node)
                  .orphanGrace(Duration.ZERO)
                  .interval(Duration.ZERO)
                  .build(),
              InFlightTransactions.of(tm));
      try (io.concord.jdbc.ConcordDataSource pool =
          io.concord.jdbc.ConcordDataSource.builder(db.xaDataSource())
              .resourceName(db.name())
              .transactionManager(tm)
              .synchronizationRegistry(tm.transactionSynchronizationRegistry())
              .recoveryRegistry(manager)
              .build()) {
        RecoveryReport report = manager.runOnce();

        assertThat(report.newHeuristics()).isEmpty();
        assertThat(manager.heuristics()).isEmpty();
        assertThat(report.committed()).hasSize(2);
        assertThat(report.endedRecords()).isEqualTo(1);
        assertThat(ids(db)).containsExactly(7L, 8L);
      } finally {
        tm.close();
      }
    }
  }

  @Test
  void postgresBranchSurvivesAKilledBackendAndIsCommittedFromAFreshConnection() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.POSTGRES)) {
      db.execute("create table t (id bigint primary key, v int)");
      ConcordXid x = newXid();
      prepare(db, x, "insert into t values (1, 0)");
      logCommit(db, x);
      // kill every backend of this test's own database (none belongs to anybody else)
      db.execute(
          "select pg_terminate_backend(pid) from pg_stat_activity"
              + " where datname = current_database() and pid <> pg_backend_pid()");
      RecoveryManager manager = manager(db);

      RecoveryReport report = manager.runOnce();

      assertThat(report.committed()).hasSize(1);
      assertThat(report.newHeuristics()).isEmpty();
      assertThat(ids(db)).containsExactly(1L);
      assertThat(ourPrepared(db)).isEmpty();
    }
  }

  @Test
  void otherNodesBranchesOnTheSharedMariaDbServerAreNeverTouched() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.MARIADB)) {
      db.execute("create table t (id bigint primary key, v int)");
      ConcordXid.Factory other = new ConcordXid.Factory(node + "x", 1);
      ConcordXid foreignBranch = other.create(1, 1);
      prepare(db, foreignBranch, "insert into t values (1, 0)").close();
      RecoveryManager manager = manager(db);
      try {
        manager.runOnce();
        RecoveryReport second = manager.runOnce();
        assertThat(second.rolledBack()).isEmpty();
        assertThat(second.leftAlone())
            .anySatisfy(l -> assertThat(l.xid()).isEqualTo(foreignBranch.toString()));
      } finally {
        // clean up as the owner would
        XAConnection c = db.xaDataSource().getXAConnection();
        c.getXAResource().rollback(foreignBranch);
        c.close();
      }
    }
  }
}
