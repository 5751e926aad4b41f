package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

/** The lock contract on MariaDB named locks, plus names, XA and transaction-bound locks. */
@DatabaseTest
class MariaDbLockTest extends LockContractTest {

  @Override
  TestDatabase createDatabase() {
    return TestDatabase.create(DatabaseKind.MARIADB);
  }

  @Override
  LockDatabase.Builder lockDatabase(String name) {
    return LockDatabase.builder(name)
        .jdbcUrl(db.jdbcUrl())
        .user(db.user())
        .password(db.password())
        .maxConnections(4)
        .keepAliveInterval(Duration.ofMillis(200));
  }

  @Override
  boolean heldInDatabase(String name) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("select is_used_lock(?)")) {
      ps.setString(1, key(name).mariaDbName());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        rs.getLong(1);
        return !rs.wasNull();
      }
    }
  }

  @Override
  void breakHold(String name) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("select is_used_lock(?)")) {
      ps.setString(1, key(name).mariaDbName());
      long id;
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
      assertThat(id).isPositive();
      try (Statement s = c.createStatement()) {
        s.execute("kill " + id);
      }
    }
  }

  @Override
  String holderWords() {
    return "MariaDB connection";
  }

  @Test
  void longAndMixedCaseNamesAreHashedIntoDistinctNamesOfAtMost64Characters() throws Exception {
    LockService locks = service();
    LockService other = service();
    String base = "Orders/" + "x".repeat(300) + "/" + uniqueName("long");
    String upper = base.toUpperCase(java.util.Locale.ROOT);
    assertThat(key(base).mariaDbName()).hasSizeLessThanOrEqualTo(64);
    try (LockHandle a = locks.acquire(base, Duration.ofSeconds(5));
        LockHandle b = other.acquire(upper, Duration.ofSeconds(5))) {
      // MariaDB compares lock names case-insensitively; these must still be two locks.
      assertThat(a.isHeld()).isTrue();
      assertThat(b.isHeld()).isTrue();
      assertThat(heldInDatabase(base)).isTrue();
      assertThat(other.tryAcquire(base)).isEmpty();
    }
  }

  @Test
  void getLockTakenInsideAnXaBranchOutlivesTheBranchWhichIsWhyTransactionLocksDoNotUseIt()
      throws Exception {
    String name = key(uniqueName("xa-get-lock")).mariaDbName();
    XAConnection xa = db.xaDataSource().getXAConnection();
    try {
      XAResource resource = xa.getXAResource();
      Connection handle = xa.getConnection();
      Xid xid = TestXid.random();
      resource.start(xid, XAResource.TMNOFLAGS);
      try (PreparedStatement ps = handle.prepareStatement("select get_lock(?, 0)")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(1);
        }
      }
      resource.end(xid, XAResource.TMSUCCESS);
      assertThat(resource.prepare(xid)).isEqualTo(XAResource.XA_OK);
      resource.commit(xid, false);
      try (Connection c = db.connect();
          PreparedStatement ps = c.prepareStatement("select is_used_lock(?)")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          rs.getLong(1);
          assertThat(rs.wasNull()).as("still held by the session after XA COMMIT").isFalse();
        }
      }
    } finally {
      xa.close();
    }
  }

  /** An extra XA resource that looks at the lock during both phases of two-phase commit. */
  private final class Observer implements XAResource {
    final String name;
    final List<String> seen = new ArrayList<>();

    Observer(String name) {
      this.name = name;
    }

    private void look(String phase) throws XAException {
      try {
        seen.add(phase + (heldInDatabase(name) ? " held" : " free"));
      } catch (SQLException e) {
        throw new XAException(XAException.XAER_RMERR);
      }
    }

    @Override
    public int prepare(Xid xid) throws XAException {
      look("prepare");
      return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      look("commit");
    }

    @Override
    public void rollback(Xid xid) throws XAException {
      look("rollback");
    }

    @Override
    public void start(Xid xid, int flags) {}

    @Override
    public void end(Xid xid, int flags) {}

    @Override
    public void forget(Xid xid) {}

    @Override
    public Xid[] recover(int flag) {
      return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
      return other == this;
    }

    @Override
    public int getTransactionTimeout() {
      return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
      return false;
    }
  }

  @Test
  void transactionLockStaysHeldThroughXaPrepareUntilPhaseTwoEnds() throws Exception {
    LockService locks = service();
    TransactionManager tm = Narayana.transactionManager();
    DataSource enlisting = Narayana.enlisting(db.xaDataSource());
    db.execute("create table if not exists xa_guarded (id int primary key)");
    String name = uniqueName("xa-tx-lock");
    Observer observer = new Observer(name);
    tm.begin();
    Transaction transaction = tm.getTransaction();
    TransactionLock lock = locks.acquireForTransaction(name, Duration.ofSeconds(5));
    try (Connection c = enlisting.getConnection();
        PreparedStatement ps = c.prepareStatement("insert into xa_guarded values (?)")) {
      ps.setInt(1, (int) (System.nanoTime() & 0x3fffffff));
      ps.executeUpdate();
    }
    transaction.enlistResource(observer);
    tm.commit();
    assertThat(observer.seen).containsExactly("prepare held", "commit held");
    assertThat(lock.isHeld()).isFalse();
    assertThat(heldInDatabase(name)).isFalse();
  }
}
