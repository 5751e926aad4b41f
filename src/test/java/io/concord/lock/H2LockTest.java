package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lock contract on H2 (a lease table), plus what only leases do. Fast: in-memory H2. */
class H2LockTest extends LockContractTest {

  @Override
  TestDatabase createDatabase() {
    return TestDatabase.create(DatabaseKind.H2_MEM);
  }

  @Override
  LockDatabase.Builder lockDatabase(String name) {
    return LockDatabase.builder(name)
        .jdbcUrl(db.jdbcUrl())
        .user(db.user())
        .password(db.password())
        .lease(Duration.ofSeconds(3))
        .keepAliveInterval(Duration.ofMillis(200))
        .pollInterval(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  @Override
  boolean heldInDatabase(String name) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "select count(*) from concord_lock where lock_key = ? and owner is not null"
                    + " and lease_until >= current_timestamp")) {
      ps.setLong(1, key(name).value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 1;
      }
    }
  }

  @Override
  void breakHold(String name) throws SQLException {
    // Another party takes the lease over (as after an expiry the holder slept through).
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "update concord_lock set owner = 'someone-else', lease_until = current_timestamp"
                    + " where lock_key = ?")) {
      ps.setLong(1, key(name).value());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }

  @Override
  String holderWords() {
    return "lease of";
  }

  @Test
  void aDeadHoldersLeaseExpiresAndTheNextHolderGetsAHigherToken() {
    String name = uniqueName("expiry");
    LockDatabase shortLease =
        lockDatabase()
            .lease(Duration.ofMillis(600))
            .keepAliveInterval(Duration.ofMillis(100))
            .build();
    LockService dying = service(shortLease);
    LockHandle handle = dying.acquire(name, Duration.ofSeconds(5));
    long token = handle.fencingToken();
    // The process "dies": no release, no more renewals (closing the service stops the keep-alive
    // but leaves the lease row as it was).
    dying.close();
    LockService next = service(shortLease);
    long start = System.nanoTime();
    try (LockHandle taken = next.acquire(name, Duration.ofSeconds(10))) {
      assertThat(taken.fencingToken()).isGreaterThan(token);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void aLiveHolderKeepsItsLeaseLongPastTheLeaseDuration() throws Exception {
    String name = uniqueName("renewed");
    LockDatabase shortLease =
        lockDatabase()
            .lease(Duration.ofMillis(600))
            .keepAliveInterval(Duration.ofMillis(100))
            .build();
    LockService holder = service(shortLease);
    LockService other = service(shortLease);
    try (LockHandle handle = holder.acquire(name, Duration.ofSeconds(5))) {
      Thread.sleep(2000);
      assertThat(handle.isHeld()).isTrue();
      assertThat(other.tryAcquire(name)).isEmpty();
    }
  }
}
