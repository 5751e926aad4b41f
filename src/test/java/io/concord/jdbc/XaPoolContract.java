package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceWrapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour of {@link ConcordDataSource} that must hold on every database and every JTA
 * transaction manager. Subclasses pick the databases: H2 always, the servers with @DatabaseTest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class XaPoolContract {

  abstract List<DatabaseKind> databases();

  Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (DatabaseKind kind : databases()) {
      for (Jta jta : Jta.all()) {
        cases.add(Arguments.of(kind, jta));
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

  ConcordDataSource pool(TestDatabase db, Jta jta, Consumer<ConcordDataSource.Builder> custom) {
    lastTm = jta.transactionManager();
    ConcordDataSource.Builder builder =
        ConcordDataSource.builder(db.xaDataSource())
            .resourceName(db.name())
            .transactionManager(jta.transactionManager())
            .synchronizationRegistry(jta.registry())
            .maxSize(4)
            .acquisitionTimeout(Duration.ofSeconds(5));
    custom.accept(builder);
    ConcordDataSource pool = builder.build();
    toClose.add(pool);
    return pool;
  }

  ConcordDataSource pool(TestDatabase db, Jta jta) {
    return pool(db, jta, b -> {});
  }

  static void insert(Connection connection, int id, String value) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("insert into item (id, v) values (?, ?)")) {
      statement.setInt(1, id);
      statement.setString(2, value);
      statement.executeUpdate();
    }
  }

  static long count(TestDatabase db) {
    return db.queryLong("select count(*) from item");
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void connectionInsideTransactionCommitsWithIt(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection connection = pool.getConnection()) {
      insert(connection, 1, "committed");
      assertThat(connection.getAutoCommit()).isFalse();
    }
    assertThat(count(db)).as("nothing visible before commit").isZero();
    assertThat(pool.metrics().active()).as("pinned until completion").isEqualTo(1);
    tm.commit();

    assertThat(count(db)).isEqualTo(1);
    assertThat(pool.metrics().active()).isZero();
    assertThat(pool.metrics().idle()).isEqualTo(1);

    tm.begin();
    try (Connection connection = pool.getConnection()) {
      insert(connection, 2, "rolled back");
    }
    tm.rollback();
    assertThat(count(db)).isEqualTo(1);
    assertThat(pool.metrics().idle()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void everyConnectionOfOneTransactionIsTheSamePhysicalConnection(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    db.execute("insert into item (id, v) values (100, 'original')");
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    Connection first = pool.getConnection();
    Connection second = pool.getConnection();
    assertThat(second).isNotSameAs(first);
    assertThat(Sessions.id(second, kind)).isEqualTo(Sessions.id(first, kind));
    try (Statement statement = first.createStatement()) {
      statement.executeUpdate("update item set v = 'first' where id = 100");
    }
    // A second branch on the same database would block on this row lock until timeout.
    try (Statement statement = second.createStatement()) {
      statement.executeUpdate("update item set v = 'second' where id = 100");
    }
    insert(second, 101, "via second");
    first.close();
    second.close();
    assertThat(pool.metrics().active()).isEqualTo(1);
    assertThat(pool.metrics().total()).isEqualTo(1);
    tm.commit();

    assertThat(db.queryLong("select count(*) from item where v = 'second'")).isEqualTo(1);
    assertThat(count(db)).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void closingAHandleInsideTheTransactionIsDeferred(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    Connection first = pool.getConnection();
    insert(first, 1, "before close");
    first.close(); // H2 would roll the branch back if this closed the driver's handle
    assertThat(first.isClosed()).isTrue();
    assertThatThrownBy(first::createStatement).isInstanceOf(SQLException.class);
    try (Connection again = pool.getConnection()) {
      insert(again, 2, "after close");
    }
    tm.commit();

    assertThat(count(db)).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void twoDatabasesCommitAndRollBackTogether(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase one = database(kind);
    TestDatabase two = database(kind);
    ConcordDataSource poolOne = pool(one, jta);
    ConcordDataSource poolTwo = pool(two, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection a = poolOne.getConnection();
        Connection b = poolTwo.getConnection()) {
      insert(a, 1, "one");
      insert(b, 1, "two");
    }
    tm.commit();
    assertThat(count(one)).isEqualTo(1);
    assertThat(count(two)).isEqualTo(1);

    tm.begin();
    try (Connection a = poolOne.getConnection();
        Connection b = poolTwo.getConnection()) {
      insert(a, 2, "one");
      insert(b, 2, "two");
    }
    tm.rollback();
    assertThat(count(one)).isEqualTo(1);
    assertThat(count(two)).isEqualTo(1);
    if (kind != DatabaseKind.MARIADB) { // XA RECOVER is server-wide: other tests' branches show
      assertThat(one.preparedTransactions()).isEmpty();
    }
    assertThat(poolOne.metrics().idle()).isEqualTo(1);
    assertThat(poolTwo.metrics().idle()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void enlistedXaResourceCarriesTheResourceName(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();
    List<XAResource> enlisted = new ArrayList<>();
    tm.begin();
    Transaction transaction = tm.getTransaction();
    Transaction spy =
        (Transaction)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Transaction.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("equals")) {
                    return proxy == args[0];
                  }
                  if (method.getName().equals("enlistResource")) {
                    enlisted.add((XAResource) args[0]);
                  }
                  return method.invoke(transaction, args);
                });
    TransactionManager spyTm =
        (TransactionManager)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {TransactionManager.class},
                (proxy, method, args) ->
                    method.getName().equals("getTransaction") ? spy : method.invoke(tm, args));
    ConcordDataSource spied =
        pool(db, jta, b -> b.transactionManager(spyTm).resourceName("spied-" + db.name()));
    try (Connection a = spied.getConnection();
        Connection b = spied.getConnection()) {
      insert(a, 1, "x");
    }
    tm.commit();
    assertThat(enlisted).hasSize(1);
    assertThat(enlisted.get(0)).isInstanceOf(XAResourceWrapper.class);
    XAResourceWrapper wrapper = (XAResourceWrapper) enlisted.get(0);
    assertThat(wrapper.getJndiName()).isEqualTo("spied-" + db.name());
    assertThat(wrapper.getProductName()).isNotBlank().isNotEqualTo("unknown");
    assertThat(wrapper.isSameRM(wrapper)).isTrue();
    assertThat(pool.resourceName()).isEqualTo(db.name());
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void suspendedTransactionKeepsItsConnection(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    Connection outer = pool.getConnection();
    long outerSession = Sessions.id(outer, kind);
    insert(outer, 1, "outer");
    Transaction suspended = tm.suspend();

    tm.begin();
    try (Connection inner = pool.getConnection()) {
      assertThat(Sessions.id(inner, kind)).isNotEqualTo(outerSession);
      insert(inner, 2, "inner");
    }
    assertThatThrownBy(() -> insert(outer, 3, "wrong transaction"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("suspended transactions keep their connections");
    tm.commit();
    assertThat(count(db)).as("only the inner transaction committed").isEqualTo(1);

    tm.resume(suspended);
    try (Connection again = pool.getConnection()) {
      assertThat(Sessions.id(again, kind)).isEqualTo(outerSession);
      insert(again, 4, "outer again");
    }
    outer.close();
    tm.commit();
    assertThat(count(db)).isEqualTo(3);
    assertThat(pool.metrics().active()).isZero();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void sqlExceptionOnAnEnlistedConnectionMarksTheTransactionRollbackOnly(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    TestDatabase other = database(kind);
    ConcordDataSource pool = pool(db, jta);
    ConcordDataSource otherPool = pool(other, jta);
    TransactionManager tm = jta.transactionManager();

    tm.begin();
    try (Connection connection = pool.getConnection();
        Connection second = otherPool.getConnection()) {
      insert(second, 1, "other database");
      insert(connection, 1, "first");
      // On PostgreSQL this aborts the transaction; pgjdbc's prepare would still answer XA_OK.
      assertThatThrownBy(() -> insert(connection, 1, "duplicate")).isInstanceOf(SQLException.class);
    }
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);

    assertThat(count(db)).isZero();
    assertThat(count(other)).as("never a partial commit").isZero();
    if (kind != DatabaseKind.MARIADB) { // XA RECOVER is server-wide: other tests' branches show
      assertThat(db.preparedTransactions()).isEmpty();
    }
    assertThat(pool.metrics().active()).isZero();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void outsideATransactionConnectionsAutoCommit(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    try (Connection connection = pool.getConnection()) {
      assertThat(connection.getAutoCommit()).isTrue();
      insert(connection, 1, "auto");
      assertThat(count(db)).isEqualTo(1);
      connection.setAutoCommit(false);
      insert(connection, 2, "left open");
    }
    // The pool rolled back what the borrower left uncommitted and restored auto-commit.
    assertThat(count(db)).isEqualTo(1);
    try (Connection connection = pool.getConnection()) {
      assertThat(connection.getAutoCommit()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void connectionFromOutsideATransactionRefusesWorkInsideOne(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();

    Connection outside = pool.getConnection();
    PreparedStatement prepared =
        outside.prepareStatement("insert into item (id, v) values (9, 'x')");
    tm.begin();
    assertThatThrownBy(() -> insert(outside, 1, "escaping"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("obtained outside any transaction");
    assertThatThrownBy(prepared::executeUpdate)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("obtained outside any transaction");
    tm.rollback();
    assertThat(count(db)).isZero();
    insert(outside, 2, "fine again");
    outside.close();
    assertThat(count(db)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void handleUsedAfterItsTransactionCompletedFails(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    TransactionManager tm = jta.transactionManager();
    tm.begin();
    Connection connection = pool.getConnection();
    insert(connection, 1, "x");
    tm.commit();
    assertThat(pool.metrics().active()).as("still held by the open handle").isEqualTo(1);
    assertThatThrownBy(() -> insert(connection, 2, "late"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("has completed");
    connection.close();
    assertThat(pool.metrics().active()).isZero();
    assertThat(count(db)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void exhaustedPoolTimesOutNamingThePoolAndItsSize(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool =
        pool(db, jta, b -> b.maxSize(2).acquisitionTimeout(Duration.ofMillis(200)));
    Connection a = pool.getConnection();
    Connection b = pool.getConnection();
    long start = System.nanoTime();
    assertThatThrownBy(pool::getConnection)
        .isInstanceOf(PoolExhaustedException.class)
        .hasMessageContaining("'" + db.name() + "'")
        .hasMessageContaining("maxSize 2")
        .hasMessageContaining("200 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(190));
    assertThat(pool.metrics().timeouts()).isEqualTo(1);

    // A waiting borrower gets the connection another thread returns.
    Thread returner =
        new Thread(
            () -> {
              try {
                Thread.sleep(50);
                a.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    returner.start();
    try (Connection c = pool.getConnection()) {
      assertThat(c.isValid(1)).isTrue();
    }
    returner.join();
    b.close();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void killedConnectionIsDetectedOnBorrowAndNeverHandedOut(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta, b -> b.maxSize(1).validateIdleAfter(Duration.ZERO));
    long killed;
    try (Connection connection = pool.getConnection()) {
      killed = Sessions.id(connection, kind);
    }
    Sessions.kill(db, killed);
    try (Connection connection = pool.getConnection()) {
      assertThat(Sessions.id(connection, kind)).isNotEqualTo(killed);
      insert(connection, 1, "works");
    }
    assertThat(pool.metrics().evicted()).isEqualTo(1);
    assertThat(count(db)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void connectionThatFailsInUseIsEvictedOnReturn(DatabaseKind kind, Jta jta) throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool =
        pool(db, jta, b -> b.maxSize(1).validateIdleAfter(Duration.ofHours(1)));
    TransactionManager tm = jta.transactionManager();
    long killed;
    tm.begin();
    try (Connection connection = pool.getConnection()) {
      killed = Sessions.id(connection, kind);
      Sessions.kill(db, killed);
      assertThatThrownBy(() -> insert(connection, 1, "lost")).isInstanceOf(SQLException.class);
    }
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    tm.rollback();
    try (Connection connection = pool.getConnection()) {
      assertThat(Sessions.id(connection, kind)).isNotEqualTo(killed);
      insert(connection, 2, "fresh connection");
    }
    assertThat(pool.metrics().evicted()).isEqualTo(1);
    assertThat(count(db)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void heldConnectionIsReportedAsALeakWithTheBorrowersStack(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta, b -> b.leakDetectionThreshold(Duration.ofMillis(100)));
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Connection held = borrowForLeakTest(pool);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (pool.metrics().leaksDetected() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      held.close();
    } finally {
      System.setErr(originalErr);
    }
    assertThat(pool.metrics().leaksDetected()).isEqualTo(1);
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("possible connection leak").contains(db.name());
    assertThat(log).contains("borrowForLeakTest");
  }

  private static Connection borrowForLeakTest(ConcordDataSource pool) throws SQLException {
    return pool.getConnection();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void recoveryResourceFindsAndCommitsAPreparedBranchOnAFreshConnection(DatabaseKind kind, Jta jta)
      throws Exception {
    TestDatabase db = database(kind);
    ConcordDataSource pool = pool(db, jta);
    Xid xid = TestXids.random();
    XAConnection owner = db.xaDataSource().getXAConnection();
    Connection handle = owner.getConnection();
    owner.getXAResource().start(xid, XAResource.TMNOFLAGS);
    insert(handle, 1, "in doubt");
    owner.getXAResource().end(xid, XAResource.TMSUCCESS);
    owner.getXAResource().prepare(xid);
    if (kind.isServer()) {
      owner.close(); // the "crash": PostgreSQL and MariaDB keep the prepared branch
    }
    try {
      XAResource[] resources = pool.xaResourceRecovery().getXAResources();
      assertThat(resources).hasSize(1);
      XAResourceWrapper scan = (XAResourceWrapper) resources[0];
      assertThat(scan.getJndiName()).isEqualTo(db.name());
      Xid[] inDoubt = scan.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
      Xid found =
          Arrays.stream(inDoubt).filter(x -> RecordedXid.sameXid(x, xid)).findFirst().orElseThrow();
      scan.commit(found, false);
      assertThat(count(db)).isEqualTo(1);
      assertThat(((RecoveryXAResource) scan).isConnected()).isTrue();
      // The next scan releases the previous scan's connection.
      XAResource[] next = pool.xaResourceRecovery().getXAResources();
      assertThat(((RecoveryXAResource) scan).isConnected()).isFalse();
      assertThatThrownBy(() -> scan.recover(XAResource.TMSTARTRSCAN))
          .isInstanceOf(javax.transaction.xa.XAException.class);
      ((RecoveryXAResource) next[0]).close();
    } finally {
      if (!kind.isServer()) {
        owner.close();
      }
    }
  }

  /** Random Xids for tests that drive XA by hand; never reused, so never someone else's. */
  static final class TestXids {
    static Xid random() {
      byte[] gtrid =
          ByteBuffer.allocate(16)
              .putLong(ThreadLocalRandom.current().nextLong())
              .putLong(System.nanoTime())
              .array();
      return new RecordedXid(0x4A444243, gtrid, new byte[] {1});
    }
  }
}
