package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.Test;

/** The lock contract on PostgreSQL advisory locks, plus transaction-level locks and XA. */
@DatabaseTest
class PostgresLockTest extends LockContractTest {

  private DataSource enlisting;

  @Override
  TestDatabase createDatabase() {
    return TestDatabase.create(DatabaseKind.POSTGRES);
  }

  @Override
  LockDatabase.Builder lockDatabase(String name) {
    if (enlisting == null) {
      enlisting = Narayana.enlisting(db.xaDataSource());
    }
    return LockDatabase.builder(name)
        .jdbcUrl(db.jdbcUrl())
        .user(db.user())
        .password(db.password())
        .transactionalDataSource(enlisting)
        .maxConnections(4)
        .keepAliveInterval(Duration.ofMillis(200))
        .pollInterval(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  static final String HELD =
      "select count(*) from pg_locks where locktype = 'advisory' and granted and objsubid = 1"
          + " and database = (select oid from pg_database where datname = current_database())"
          + " and ((classid::bigint << 32) | objid::bigint) = ?";

  @Override
  boolean heldInDatabase(String name) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement(HELD)) {
      ps.setLong(1, key(name).value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }
  }

  @Override
  void breakHold(String name) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory'"
                    + " and ((classid::bigint << 32) | objid::bigint) = ? and pid is not null")) {
      ps.setLong(1, key(name).value());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    }
  }

  @Override
  String holderWords() {
    return "backend pid";
  }

  @Test
  void transactionPoolingProxyRefusesSessionLocksWithAClearError() throws Exception {
    LockService locks =
        service(lockDatabase().poolingProxy(PoolingProxy.TRANSACTION_POOLING).build());
    String name = uniqueName("pgbouncer");
    assertThatThrownBy(() -> locks.acquire(name, Duration.ofSeconds(1)))
        .isInstanceOf(LockException.class)
        .hasMessageContaining("transaction-pooling")
        .hasMessageContaining("acquireForTransaction");
    assertThatThrownBy(() -> locks.lock(name).tryLock())
        .isInstanceOf(LockException.class)
        .hasMessageContaining("PgBouncer");
  }

  @Test
  void transactionLevelLocksStillWorkBehindATransactionPooler() throws Exception {
    LockService locks =
        service(lockDatabase().poolingProxy(PoolingProxy.TRANSACTION_POOLING).build());
    String name = uniqueName("pgbouncer-xact");
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      long token = locks.acquireInTransaction(c, name, Duration.ofSeconds(5));
      assertThat(token).isPositive();
      assertThat(heldInDatabase(name)).isTrue();
      c.commit();
    }
    assertThat(heldInDatabase(name)).isFalse();
  }

  @Test
  void lockOnACallersLocalTransactionEndsWithItAndCommitsItsToken() throws Exception {
    LockService locks = service();
    LockService other = service();
    String name = uniqueName("local-tx");
    long committed;
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      committed = locks.acquireInTransaction(c, name, Duration.ofSeconds(5));
      assertThat(locks.acquireInTransaction(c, name, Duration.ofSeconds(5)))
          .as("the same transaction re-entering increments the counter again")
          .isGreaterThan(committed);
      committed = committed + 1;
      assertThat(other.tryAcquire(name)).isEmpty();
      assertThatThrownBy(() -> other.acquire(name, Duration.ofMillis(200)))
          .isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining("backend pid");
      c.commit();
      assertThat(heldInDatabase(name)).isFalse();

      long rolledBack = locks.acquireInTransaction(c, name, Duration.ofSeconds(5));
      assertThat(rolledBack).isGreaterThan(committed);
      c.rollback();
      assertThat(heldInDatabase(name)).isFalse();
    }
    try (LockHandle handle = other.acquire(name, Duration.ofSeconds(5))) {
      // The rolled-back transaction's increment rolled back with it: nothing it wrote survived.
      assertThat(handle.fencingToken()).isEqualTo(committed + 1);
    }
  }

  @Test
  void autoCommitConnectionIsRefusedForATransactionLevelLock() throws Exception {
    LockService locks = service();
    try (Connection c = db.connect()) {
      assertThatThrownBy(
              () -> locks.acquireInTransaction(c, uniqueName("autocommit"), Duration.ofSeconds(1)))
          .isInstanceOf(LockException.class)
          .hasMessageContaining("auto-commit");
    }
  }

  @Test
  void transactionScopedLockIsTakenOnTheTransactionsOwnConnection() throws Exception {
    LockService locks = service();
    TransactionManager tm = Narayana.transactionManager();
    String name = uniqueName("own-connection");
    tm.begin();
    try {
      locks.acquireForTransaction(name, Duration.ofSeconds(5));
      long transactionPid;
      try (Connection c = enlisting.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
        rs.next();
        transactionPid = rs.getLong(1);
      }
      try (Connection c = db.connect();
          PreparedStatement ps =
              c.prepareStatement(
                  "select pid from pg_locks where locktype = 'advisory'"
                      + " and ((classid::bigint << 32) | objid::bigint) = ?")) {
        ps.setLong(1, key(name).value());
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(transactionPid);
        }
      }
    } finally {
      tm.rollback();
    }
  }

  @Test
  void preparedXaBranchKeepsItsLockUntilPhaseTwoEvenWhenItsSessionIsGone() throws Exception {
    LockService locks = service();
    LockService other = service();
    for (boolean commit : new boolean[] {true, false}) {
      String name = uniqueName(commit ? "xa-commit" : "xa-rollback");
      TestXid xid = TestXid.random();
      XAConnection branch = db.xaDataSource().getXAConnection();
      XAResource resource = branch.getXAResource();
      Connection handle = branch.getConnection();
      resource.start(xid, XAResource.TMNOFLAGS);
      long token = locks.acquireInTransaction(handle, name, Duration.ofSeconds(5));
      resource.end(xid, XAResource.TMSUCCESS);
      assertThat(resource.prepare(xid)).isEqualTo(XAResource.XA_OK);
      branch.close(); // the TM "crashes": its session is gone, the prepared branch is not

      assertThat(heldInDatabase(name)).isTrue();
      assertThat(other.tryAcquire(name)).isEmpty();
      assertThatThrownBy(() -> other.acquire(name, Duration.ofMillis(200)))
          .isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining("prepared transaction");

      XAConnection recovery = db.xaDataSource().getXAConnection();
      try {
        if (commit) {
          recovery.getXAResource().commit(xid, false);
        } else {
          recovery.getXAResource().rollback(xid);
        }
      } finally {
        recovery.close();
      }
      assertThat(heldInDatabase(name)).isFalse();
      try (LockHandle next = other.acquire(name, Duration.ofSeconds(5))) {
        if (commit) {
          assertThat(next.fencingToken()).isGreaterThan(token);
        } else {
          assertThat(next.fencingToken()).isEqualTo(token);
        }
      }
    }
  }

  @Test
  void processesCreatingTheLockTableAtOnceAllSucceed() throws Exception {
    // Several JVMs starting together each create the lock table; on PostgreSQL a concurrent
    // CREATE TABLE IF NOT EXISTS fails the loser (seen in CI: 23505 on pg_type).
    for (int round = 0; round < 5; round++) {
      String table = "concord_lock_race_" + round + "_" + System.nanoTime();
      int creators = 6;
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(creators);
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(creators);
      try {
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int i = 0; i < creators; i++) {
          done.add(
              pool.submit(
                  () -> {
                    try (Connection c = db.connect()) {
                      start.await();
                      LockSchema.create(c, LockDialect.POSTGRESQL, table);
                    }
                    return null;
                  }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get(1, java.util.concurrent.TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
