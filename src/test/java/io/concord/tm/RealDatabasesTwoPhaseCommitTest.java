package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceWrapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real two-phase commit across H2 (file), PostgreSQL and MariaDB in one transaction, with the raw
 * XADataSources of the drivers: one XAConnection per database, its handle taken once before start
 * and closed only after completion (reference §3.5).
 */
@DatabaseTest
class RealDatabasesTwoPhaseCommitTest {
  private static TestDatabase h2;
  private static TestDatabase postgres;
  private static TestDatabase mariadb;

  private TestTm t;
  private final List<Branch> open = new ArrayList<>();

  @BeforeAll
  static void createDatabases() {
    h2 = TestDatabase.create(DatabaseKind.H2_FILE);
    postgres = TestDatabase.create(DatabaseKind.POSTGRES);
    mariadb = TestDatabase.create(DatabaseKind.MARIADB);
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      db.execute("create table item (id int primary key, note varchar(40))");
    }
    postgres.execute(
        "create table parent (id int primary key)",
        "create table child (id int primary key, parent_id int references parent(id)"
            + " deferrable initially deferred)");
  }

  @AfterAll
  static void dropDatabases() {
    for (TestDatabase db : new TestDatabase[] {h2, postgres, mariadb}) {
      if (db != null) {
        db.close();
      }
    }
  }

  @BeforeEach
  void openTm() {
    t = TestTm.open();
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      db.execute("delete from item");
    }
  }

  @AfterEach
  void closeAll() throws SQLException {
    for (Branch branch : open) {
      branch.xaConnection.close();
    }
    t.close();
  }

  /**
   * One database's XAConnection in the transaction, named the way Concord's jdbc layer names it.
   */
  private final class Branch {
    final TestDatabase db;
    final XAConnection xaConnection;
    final Connection handle;
    final XAResource resource;

    Branch(TestDatabase db) throws SQLException {
      this.db = db;
      this.xaConnection = db.xaDataSource().getXAConnection();
      this.handle = xaConnection.getConnection();
      this.resource = new Named(xaConnection.getXAResource(), db.name());
      open.add(this);
    }

    /**
     * Runs a statement the way the jdbc layer will: an SQLException marks the transaction
     * rollback-only (pgjdbc's prepare answers XA_OK after a failed statement although the server
     * rolled the branch back) before it reaches the caller.
     */
    void execute(Transaction tx, String sql) throws SQLException, SystemException {
      try (Statement statement = handle.createStatement()) {
        statement.execute(sql);
      } catch (SQLException e) {
        tx.setRollbackOnly();
        throw e;
      }
    }
  }

  /** Delegates to a driver XAResource and names it (XAResourceWrapper, like Concord's jdbc). */
  private record Named(XAResource delegate, String name) implements XAResourceWrapper {
    @Override
    public XAResource getResource() {
      return delegate;
    }

    @Override
    public String getProductName() {
      return "test";
    }

    @Override
    public String getProductVersion() {
      return "0";
    }

    @Override
    public String getJndiName() {
      return name;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
      delegate.start(xid, flags);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
      delegate.end(xid, flags);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
      return delegate.prepare(xid);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      delegate.commit(xid, onePhase);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
      delegate.rollback(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
      delegate.forget(xid);
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
      return delegate.recover(flag);
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
      return other == this;
    }

    @Override
    public int getTransactionTimeout() throws XAException {
      return delegate.getTransactionTimeout();
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
      return delegate.setTransactionTimeout(seconds);
    }
  }

  private List<Branch> enlistAll(Transaction tx) throws Exception {
    List<Branch> branches = new ArrayList<>();
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      Branch branch = new Branch(db);
      assertThat(tx.enlistResource(branch.resource)).isTrue();
      branches.add(branch);
    }
    return branches;
  }

  private static long rows(TestDatabase db) {
    return db.queryLong("select count(*) from item");
  }

  private void assertNothingPrepared() {
    assertThat(h2.preparedTransactions()).isEmpty();
    assertThat(postgres.preparedTransactions()).isEmpty();
    // MariaDB's XA RECOVER is server-wide: look only for this test's node id
    assertThat(mariadb.preparedTransactions()).noneMatch(x -> x.contains(t.nodeId));
  }

  @Test
  void commitsAllThreeDatabasesAtomically() throws Exception {
    t.tm.begin();
    Transaction tx = t.tm.getTransaction();
    for (Branch branch : enlistAll(tx)) {
      branch.execute(tx, "insert into item values (1, 'committed')");
    }
    t.tm.commit();
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      assertThat(rows(db)).as(db.toString()).isEqualTo(1);
    }
    assertNothingPrepared();
    assertThat(t.tm.statistics().committedTwoPhase()).isEqualTo(1);
  }

  @Test
  void rollsBackAllThreeDatabases() throws Exception {
    t.tm.begin();
    Transaction tx = t.tm.getTransaction();
    for (Branch branch : enlistAll(tx)) {
      branch.execute(tx, "insert into item values (2, 'rolled back')");
    }
    t.tm.rollback();
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      assertThat(rows(db)).as(db.toString()).isZero();
    }
    assertNothingPrepared();
  }

  @Test
  void aPrepareThatFailsOnOneDatabaseRollsBackEveryDatabase() throws Exception {
    t.tm.begin();
    Transaction tx = t.tm.getTransaction();
    List<Branch> branches = enlistAll(tx);
    for (Branch branch : branches) {
      branch.execute(tx, "insert into item values (3, 'never')");
    }
    // a deferred foreign key fails only at PREPARE TRANSACTION: XA_RBINTEGRITY from pgjdbc
    branches.get(1).execute(tx, "insert into child values (1, 999)");
    assertThatThrownBy(t.tm::commit)
        .isInstanceOf(RollbackException.class)
        .hasMessageContaining(postgres.name())
        .hasMessageContaining("XA_RBINTEGRITY");
    for (TestDatabase db : List.of(h2, postgres, mariadb)) {
      assertThat(rows(db)).as(db.toString()).isZero();
    }
    assertNothingPrepared();
  }

  @Test
  void pgjdbcTrapAFailedStatementOnPostgresMeansRollbackEverywhere() throws Exception {
    postgres.execute("insert into item values (4, 'already there')");
    t.tm.begin();
    Transaction tx = t.tm.getTransaction();
    List<Branch> branches = enlistAll(tx);
    branches.get(0).execute(tx, "insert into item values (5, 'h2')");
    branches.get(2).execute(tx, "insert into item values (5, 'mariadb')");
    // duplicate key: PostgreSQL aborts its transaction; its prepare would still answer XA_OK
    assertThatThrownBy(() -> branches.get(1).execute(tx, "insert into item values (4, 'dup')"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(t.tm::commit).isInstanceOf(RollbackException.class);
    assertThat(rows(h2)).isZero();
    assertThat(rows(mariadb)).isZero();
    assertThat(rows(postgres)).isEqualTo(1); // only the row from before the transaction
    assertNothingPrepared();
  }
}
