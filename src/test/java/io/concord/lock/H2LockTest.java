package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
  void anAcquireBlockedBehindATakeoverSeesTheNewLeaseAndDoesNotGrant() throws Exception {
    // Acquiring is one conditional UPDATE; its safety rests on H2 evaluating the condition again
    // on the row a concurrent transaction changed while the UPDATE waited for the row lock.
    String name = uniqueName("recheck");
    LockService service = service();
    service.acquire(name, Duration.ofSeconds(5)).close(); // the row exists, the lease is free
    try (Connection other = db.connect()) {
      takeOverWithoutCommitting(other, name); // the row is locked until `other` commits
      CompletableFuture<LockHandle> blocked =
          CompletableFuture.supplyAsync(() -> service.acquire(name, Duration.ofMillis(1500)));
      Thread.sleep(300); // the acquirer's UPDATE now waits for the row lock
      other.commit();
      assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(LockTimeoutException.class);
    }
  }

  @Test
  void anAcquireBlockedBehindAReleaseGetsTheLeaseWithTheNextToken() throws Exception {
    String name = uniqueName("recheck-free");
    LockService service = service();
    long token;
    try (LockHandle first = service.acquire(name, Duration.ofSeconds(5))) {
      token = first.fencingToken();
    }
    try (Connection other = db.connect()) {
      takeOverWithoutCommitting(other, name);
      try (PreparedStatement ps =
          other.prepareStatement(
              "update concord_lock set owner = null, lease_until = null where lock_key = ?")) {
        ps.setLong(1, key(name).value());
        assertThat(ps.executeUpdate()).isEqualTo(1); // taken and given back, not committed yet
      }
      CompletableFuture<LockHandle> blocked =
          CompletableFuture.supplyAsync(() -> service.acquire(name, Duration.ofSeconds(5)));
      Thread.sleep(300);
      other.commit();
      try (LockHandle next = blocked.get(10, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isEqualTo(token + 2); // computed from the committed row
      }
    }
  }

  private void takeOverWithoutCommitting(Connection other, String name) throws SQLException {
    other.setAutoCommit(false);
    try (PreparedStatement ps =
        other.prepareStatement(
            "update concord_lock set owner = 'other', fence = fence + 1,"
                + " lease_until = dateadd(second, 60, current_timestamp) where lock_key = ?")) {
      ps.setLong(1, key(name).value());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
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
