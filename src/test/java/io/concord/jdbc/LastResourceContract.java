package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceWrapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A HikariCP pool wrapped as last resource, in one transaction with XA branches on other databases.
 * Subclasses choose where the last resource and the XA branches live.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LastResourceContract {
  static final String MARKERS = "concord_lr_marker";

  /** The database under HikariCP (the last resource). */
  abstract DatabaseKind lastResourceKind();

  /** The databases with XA branches in the same transactions. */
  abstract List<DatabaseKind> xaKinds();

  Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (DatabaseKind xa : xaKinds()) {
      for (Jta jta : Jta.all()) {
        cases.add(Arguments.of(xa, jta));
      }
    }
    return cases.stream();
  }

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private TransactionManager lastTm;

  @AfterEach
  void cleanUp() throws Exception {
    if (lastTm != null && lastTm.getTransaction() != null) {
      lastTm.rollback();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    toClose.clear();
  }

  TestDatabase database(DatabaseKind kind) {
    TestDatabase db = TestDatabase.create(kind);
    toClose.add(db);
    db.execute("create table item (id int primary key, v varchar(50))");
    return db;
  }

  HikariDataSource hikari(TestDatabase db) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(4);
    config.setPoolName("hikari-" + db.name());
    HikariDataSource hikari = new HikariDataSource(config);
    toClose.add(hikari);
    return hikari;
  }

  LastResourceDataSource lastResource(
      HikariDataSource hikari, String name, Jta jta, boolean markers) {
    lastTm = jta.transactionManager();
    LastResourceDataSource.Builder builder =
        LastResourceDataSource.builder(hikari)
            .resourceName(name)
            .transactionManager(jta.transactionManager())
            .synchronizationRegistry(jta.registry())
            .markerCleanupInterval(Duration.ofHours(1));
    if (markers) {
      builder.markerTable(MARKERS).createMarkerTable(true);
    }
    LastResourceDataSource dataSource = builder.build();
    toClose.add(dataSource);
    return dataSource;
  }

  ConcordDataSource xaPool(TestDatabase db, Jta jta) {
    ConcordDataSource pool =
        ConcordDataSource.builder(db.xaDataSource())
            .resourceName(db.name())
            .transactionManager(jta.transactionManager())
            .synchronizationRegistry(jta.registry())
            .build();
    toClose.add(pool);
    return pool;
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void lastResourceCommitsWithTheXaBranches(DatabaseKind xaKind, Jta jta) throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    TestDatabase xaDb = database(xaKind);
    LastResourceDataSource lr = lastResource(hikari(lrDb), "lr-" + lrDb.name(), jta, true);
    ConcordDataSource xa = xaPool(xaDb, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection x = xa.getConnection();
        Connection l1 = lr.getConnection();
        Connection l2 = lr.getConnection()) {
      XaPoolContract.insert(x, 1, "xa");
      XaPoolContract.insert(l1, 1, "local");
      XaPoolContract.insert(l2, 2, "local, same connection");
      assertThat(Sessions.id(l2, lastResourceKind()))
          .isEqualTo(Sessions.id(l1, lastResourceKind()));
    }
    tm.commit();

    assertThat(XaPoolContract.count(xaDb)).isEqualTo(1);
    assertThat(XaPoolContract.count(lrDb)).isEqualTo(2);
    assertThat(lrDb.queryLong("select count(*) from " + MARKERS))
        .as("the local transaction wrote its marker")
        .isEqualTo(1);
    assertThat(lr.deleteFinishedMarkers()).isEqualTo(1);
    assertThat(lrDb.queryLong("select count(*) from " + MARKERS)).isZero();

    tm.begin();
    try (Connection x = xa.getConnection();
        Connection l = lr.getConnection()) {
      XaPoolContract.insert(x, 2, "xa");
      XaPoolContract.insert(l, 3, "local");
    }
    tm.rollback();
    assertThat(XaPoolContract.count(xaDb)).isEqualTo(1);
    assertThat(XaPoolContract.count(lrDb)).isEqualTo(2);
    assertThat(lrDb.queryLong("select count(*) from " + MARKERS)).isZero();
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void failedLastResourceCommitRollsBackTheXaBranches(DatabaseKind xaKind, Jta jta)
      throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    TestDatabase xaDb = database(xaKind);
    LastResourceDataSource lr = lastResource(hikari(lrDb), "lr-" + lrDb.name(), jta, true);
    ConcordDataSource xa = xaPool(xaDb, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection x = xa.getConnection();
        Connection l = lr.getConnection()) {
      XaPoolContract.insert(x, 1, "xa");
      XaPoolContract.insert(l, 1, "local");
    }
    // The marker insert inside the one-phase commit now fails, so the last resource rolls back.
    lrDb.execute("drop table " + MARKERS);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);

    assertThat(XaPoolContract.count(xaDb)).as("XA branch rolled back").isZero();
    assertThat(XaPoolContract.count(lrDb)).as("last resource rolled back").isZero();
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void sqlExceptionOnTheLastResourceMarksRollbackOnly(DatabaseKind xaKind, Jta jta)
      throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    TestDatabase xaDb = database(xaKind);
    LastResourceDataSource lr = lastResource(hikari(lrDb), "lr-" + lrDb.name(), jta, false);
    ConcordDataSource xa = xaPool(xaDb, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection x = xa.getConnection();
        Connection l = lr.getConnection()) {
      XaPoolContract.insert(x, 1, "xa");
      XaPoolContract.insert(l, 1, "local");
      assertThatThrownBy(() -> XaPoolContract.insert(l, 1, "duplicate"))
          .isInstanceOf(SQLException.class);
    }
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(XaPoolContract.count(xaDb)).isZero();
    assertThat(XaPoolContract.count(lrDb)).isZero();
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void markerRecoveryResourceListsCommittedTransactionsAndForgetsThem(DatabaseKind xaKind, Jta jta)
      throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    TestDatabase xaDb = database(xaKind);
    LastResourceDataSource lr = lastResource(hikari(lrDb), "lr-" + lrDb.name(), jta, true);
    ConcordDataSource xa = xaPool(xaDb, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    byte[] gtrid = currentGtrid(jta);
    try (Connection x = xa.getConnection();
        Connection l = lr.getConnection()) {
      XaPoolContract.insert(x, 1, "xa");
      XaPoolContract.insert(l, 1, "local");
    }
    tm.commit();
    tm.begin();
    try (Connection l = lr.getConnection()) {
      XaPoolContract.insert(l, 2, "rolled back: leaves no marker");
    }
    tm.rollback();

    XAResource[] resources = lr.xaResourceRecovery().orElseThrow().getXAResources();
    assertThat(resources).hasSize(1);
    XAResource scan = resources[0];
    assertThat(scan).isInstanceOf(LastResource.class).isInstanceOf(XAResourceWrapper.class);
    assertThat(((XAResourceWrapper) scan).getJndiName()).isEqualTo("lr-" + lrDb.name());
    Xid[] committed = scan.recover(XAResource.TMSTARTRSCAN);
    assertThat(committed).hasSize(1);
    if (gtrid != null) {
      assertThat(committed[0].getGlobalTransactionId()).isEqualTo(gtrid);
    }
    assertThat(scan.recover(XAResource.TMENDRSCAN)).isEmpty();
    scan.rollback(committed[0]); // a no-op: the marker proves the commit
    assertThat(lrDb.queryLong("select count(*) from " + MARKERS)).isEqualTo(1);
    scan.commit(committed[0], false);
    assertThat(lrDb.queryLong("select count(*) from " + MARKERS)).isZero();
    assertThat(scan.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)).isEmpty();
    assertThatThrownBy(() -> scan.prepare(committed[0]))
        .isInstanceOf(javax.transaction.xa.XAException.class);
    ((MarkerRecoveryResource) scan).close();
  }

  /** The gtrid of the current transaction as its Xid would carry it, when the TM exposes it. */
  private static byte[] currentGtrid(Jta jta) throws Exception {
    if (jta.transactionManager().getTransaction()
        instanceof com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionImple narayana) {
      return narayana.getTxId().getGlobalTransactionId();
    }
    return null;
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void aTransactionTakesOnlyOneLastResource(DatabaseKind xaKind, Jta jta) throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    HikariDataSource hikari = hikari(lrDb);
    LastResourceDataSource first = lastResource(hikari, "lr-one-" + lrDb.name(), jta, false);
    LastResourceDataSource second = lastResource(hikari, "lr-two-" + lrDb.name(), jta, false);
    TransactionManager tm = jta.transactionManager();
    tm.begin();
    try (Connection l = first.getConnection()) {
      XaPoolContract.insert(l, 1, "first");
      assertThatThrownBy(second::getConnection)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("last resource");
    }
    tm.rollback();
    assertThat(XaPoolContract.count(lrDb)).isZero();
  }

  @ParameterizedTest(name = "XA on {0}, {1}")
  @MethodSource("cases")
  void outsideATransactionTheWrappedConnectionAutoCommitsAndStaysOutside(
      DatabaseKind xaKind, Jta jta) throws Exception {
    TestDatabase lrDb = database(lastResourceKind());
    LastResourceDataSource lr = lastResource(hikari(lrDb), "lr-" + lrDb.name(), jta, false);
    TransactionManager tm = jta.transactionManager();
    Connection outside = lr.getConnection();
    XaPoolContract.insert(outside, 1, "auto-commit");
    assertThat(XaPoolContract.count(lrDb)).isEqualTo(1);
    tm.begin();
    assertThatThrownBy(() -> XaPoolContract.insert(outside, 2, "escaping"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("obtained outside any transaction");
    tm.rollback();
    outside.close();
    assertThat(XaPoolContract.count(lrDb)).isEqualTo(1);
  }
}
