package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.lock.MutexHistory.Kind;
import io.concord.lock.MutexHistory.Op;
import io.concord.testing.TestDatabase;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every lock dialect must do. Each subclass runs it on its database; several {@link
 * LockService} instances on one database stand for several processes (each has its own pool and
 * in-process state).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LockContractTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  TestDatabase db;
  private final List<LockService> services = new ArrayList<>();

  abstract TestDatabase createDatabase();

  /** A lock database on {@link #db} with test-friendly timings. */
  abstract LockDatabase.Builder lockDatabase(String name);

  LockDatabase.Builder lockDatabase() {
    return lockDatabase("main");
  }

  /** True when the database itself (seen from another connection) has the lock held. */
  abstract boolean heldInDatabase(String name) throws SQLException;

  /** Makes the database drop the hold of {@code name} behind the holder's back. */
  abstract void breakHold(String name) throws SQLException;

  /** Words the timeout message must contain to name the holder on this database. */
  abstract String holderWords();

  @BeforeAll
  void createDb() {
    db = createDatabase();
  }

  @AfterAll
  void dropDb() {
    if (db != null) {
      db.close();
    }
  }

  @AfterEach
  void closeServices() {
    services.forEach(LockService::close);
    services.clear();
  }

  LockService service() {
    return service(lockDatabase().build());
  }

  LockService service(LockDatabase database) {
    LockService service =
        LockService.builder()
            .namespace("test")
            .database(database)
            .transactionSynchronizationRegistry(Narayana.registry())
            .build();
    services.add(service);
    return service;
  }

  static String uniqueName(String what) {
    return what + "-" + NAMES.incrementAndGet() + "-" + System.nanoTime();
  }

  LockKey key(String name) {
    return LockKey.of("test", name);
  }

  @Test
  void acquireReleaseAndAcquireAgainGivesIncreasingFencingTokens() throws Exception {
    LockService locks = service();
    String name = uniqueName("basic");
    long first;
    try (LockHandle handle = locks.acquire(name, Duration.ofSeconds(5))) {
      first = handle.fencingToken();
      assertThat(handle.isHeld()).isTrue();
      assertThat(locks.isHeld(name)).isTrue();
      assertThat(heldInDatabase(name)).isTrue();
    }
    assertThat(locks.isHeld(name)).isFalse();
    assertThat(heldInDatabase(name)).isFalse();
    try (LockHandle handle = locks.acquire(name, Duration.ofSeconds(5))) {
      assertThat(handle.fencingToken()).isGreaterThan(first);
    }
  }

  @Test
  void reentrantHoldsShareOneDatabaseLockThatTheLastCloseReleases() throws Exception {
    LockService mine = service();
    LockService other = service();
    String name = uniqueName("reentrant");
    LockHandle outer = mine.acquire(name, Duration.ofSeconds(5));
    LockHandle inner = mine.acquire(name, Duration.ofSeconds(5));
    assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
    assertThat(other.tryAcquire(name)).isEmpty();
    inner.close();
    inner.close(); // idempotent: must not release the outer hold
    assertThat(mine.isHeld(name)).isTrue();
    assertThat(other.tryAcquire(name)).isEmpty();
    outer.close();
    assertThat(heldInDatabase(name)).isFalse();
    Optional<LockHandle> taken = other.tryAcquire(name);
    assertThat(taken).isPresent();
    assertThat(taken.get().fencingToken()).isGreaterThan(outer.fencingToken());
    taken.get().close();
  }

  @Test
  void timeoutNamesTheLockAndTheHolder() {
    LockService holder = service();
    LockService waiter = service();
    String name = uniqueName("timeout");
    try (LockHandle held = holder.acquire(name, Duration.ofSeconds(5))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> waiter.acquire(name, Duration.ofMillis(300)))
          .isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining(name)
          .hasMessageContaining(holderWords())
          .satisfies(e -> assertThat(((LockTimeoutException) e).holder()).isPresent());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(waiter.tryAcquire(name, Duration.ofMillis(100))).isEmpty();
      assertThat(held.isHeld()).isTrue();
    }
  }

  @Test
  void threadsOfOneProcessWaitForTheOwnerInThatProcess() throws Exception {
    LockService locks = service();
    String name = uniqueName("local");
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (LockHandle held = locks.acquire(name, Duration.ofSeconds(5))) {
      Future<Throwable> attempt =
          other.submit(
              () -> {
                try {
                  locks.acquire(name, Duration.ofMillis(200)).close();
                  return null;
                } catch (LockTimeoutException e) {
                  return e;
                }
              });
      assertThat(attempt.get(10, TimeUnit.SECONDS))
          .isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining("an owner in this process");
      assertThat(held.isHeld()).isTrue();
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void lockViewIsReentrantPerThreadAndRejectsUnlockByOthers() throws Exception {
    LockService locks = service();
    String name = uniqueName("view");
    DistributedLock lock = locks.lock(name);
    lock.lock();
    assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    long token = lock.fencingToken();
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      assertThat(other.submit(() -> locks.lock(name).tryLock()).get()).isFalse();
      assertThat(other.submit(() -> locks.lock(name).isHeldByCurrentThread()).get()).isFalse();
      Future<Throwable> badUnlock =
          other.submit(
              () -> {
                try {
                  locks.lock(name).unlock();
                  return null;
                } catch (IllegalMonitorStateException e) {
                  return e;
                }
              });
      assertThat(badUnlock.get()).isInstanceOf(IllegalMonitorStateException.class);
      lock.unlock();
      assertThat(locks.isHeld(name)).isTrue();
      lock.unlock();
      assertThat(locks.isHeld(name)).isFalse();
      assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
      assertThat(
              other
                  .submit(
                      () -> {
                        DistributedLock theirs = locks.lock(name);
                        boolean got = theirs.tryLock(5, TimeUnit.SECONDS);
                        long theirToken = theirs.fencingToken();
                        theirs.unlock();
                        return got && theirToken > token;
                      })
                  .get())
          .isTrue();
    } finally {
      other.shutdownNow();
    }
    assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aWaiterCanBeInterruptedAndLeavesNothingBehind() throws Exception {
    LockService holder = service();
    LockService waiter = service();
    String name = uniqueName("interrupt");
    try (LockHandle held = holder.acquire(name, Duration.ofSeconds(5))) {
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread thread =
          new Thread(
              () -> {
                try {
                  waiter.lock(name).lockInterruptibly();
                  outcome.set(new AssertionError("acquired a held lock"));
                } catch (InterruptedException e) {
                  outcome.set(e);
                }
              });
      thread.start();
      Thread.sleep(300);
      thread.interrupt();
      thread.join(10_000);
      assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
      assertThat(waiter.isHeld(name)).isFalse();
      assertThat(held.isHeld()).isTrue();
    }
    try (LockHandle next = waiter.acquire(name, Duration.ofSeconds(5))) {
      assertThat(next.isHeld()).isTrue();
    }
  }

  @Test
  void mutualExclusionUnderContentionLosesNoUpdateAndHistoryIsAMutex() throws Exception {
    int processes = 3;
    int threadsPerProcess = 3;
    int iterations = iterationsPerThread();
    String name = uniqueName("counter");
    String table = "lock_counter_" + NAMES.incrementAndGet();
    db.execute("create table " + table + " (id int primary key, v bigint not null)");
    db.execute("insert into " + table + " values (1, 0)");
    List<LockService> locks = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      locks.add(service());
    }
    MutexHistory history = new MutexHistory();
    ExecutorService pool = Executors.newFixedThreadPool(processes * threadsPerProcess);
    List<Future<?>> workers = new ArrayList<>();
    AtomicInteger ids = new AtomicInteger();
    for (int p = 0; p < processes; p++) {
      LockService service = locks.get(p);
      for (int t = 0; t < threadsPerProcess; t++) {
        int process = ids.incrementAndGet();
        workers.add(
            pool.submit(
                () -> {
                  try (Connection c = db.connect()) {
                    for (int i = 0; i < iterations; i++) {
                      long invoke = System.nanoTime();
                      LockHandle handle = service.acquire(name, Duration.ofSeconds(60));
                      history.add(
                          new Op(
                              process,
                              Kind.ACQUIRE,
                              invoke,
                              System.nanoTime(),
                              handle.fencingToken()));
                      long value = readCounter(c, table);
                      Thread.yield();
                      writeCounter(c, table, value + 1);
                      long releaseInvoke = System.nanoTime();
                      handle.close();
                      history.add(
                          new Op(process, Kind.RELEASE, releaseInvoke, System.nanoTime(), 0));
                    }
                  }
                  return null;
                }));
      }
    }
    for (Future<?> worker : workers) {
      worker.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
    int total = processes * threadsPerProcess * iterations;
    assertThat(db.queryLong("select v from " + table + " where id = 1")).isEqualTo(total);
    assertThat(history.ops()).hasSize(2 * total);
    assertThat(MutexHistoryChecker.check(history.ops())).isEmpty();
  }

  int iterationsPerThread() {
    return 15;
  }

  static long readCounter(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("select v from " + table + " where id = 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void writeCounter(Connection c, String table, long value) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("update " + table + " set v = ? where id = 1")) {
      ps.setLong(1, value);
      ps.executeUpdate();
    }
  }

  @Test
  void lostHoldFiresListenersAndFencingRejectsTheStaleHoldersWrites() throws Exception {
    LockService stale = service();
    LockService next = service();
    CountDownLatch serviceHeard = new CountDownLatch(1);
    stale.addLockLostListener(event -> serviceHeard.countDown());
    String name = uniqueName("lost");
    LockHandle handle = stale.acquire(name, Duration.ofSeconds(5));
    CountDownLatch handleHeard = new CountDownLatch(1);
    AtomicReference<LockLostEvent> event = new AtomicReference<>();
    handle.onLost(
        e -> {
          event.set(e);
          handleHeard.countDown();
        });
    FenceGuard guard = new FenceGuard();
    String resource = "resource-" + name;
    try (Connection c = db.connect()) {
      guard.admit(c, resource, handle.fencingToken());
    }

    breakHold(name);

    assertThat(handleHeard.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(serviceHeard.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(event.get().lockName()).isEqualTo(name);
    assertThat(event.get().fencingToken()).isEqualTo(handle.fencingToken());
    assertThat(handle.isLost()).isTrue();
    assertThat(handle.isHeld()).isFalse();
    assertThat(stale.isHeld(name)).isFalse();

    try (LockHandle newer = next.acquire(name, Duration.ofSeconds(30));
        Connection c = db.connect()) {
      assertThat(newer.fencingToken()).isGreaterThan(handle.fencingToken());
      guard.admit(c, resource, newer.fencingToken());
      assertThatThrownBy(() -> guard.admit(c, resource, handle.fencingToken()))
          .isInstanceOf(StaleFencingTokenException.class)
          .hasMessageContaining(String.valueOf(newer.fencingToken()));
    }
    // A late listener hears at once; the close reports the loss.
    CountDownLatch late = new CountDownLatch(1);
    handle.onLost(e -> late.countDown());
    assertThat(late.getCount()).isZero();
    assertThatThrownBy(handle::close)
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining(name);
  }

  @Test
  void transactionScopedLockIsHeldUntilCommitAndUntilRollback() throws Exception {
    LockService locks = service();
    LockService other = service();
    TransactionManager tm = Narayana.transactionManager();
    for (boolean commit : new boolean[] {true, false}) {
      String name = uniqueName(commit ? "tx-commit" : "tx-rollback");
      tm.begin();
      TransactionLock lock;
      try {
        lock = locks.acquireForTransaction(name, Duration.ofSeconds(5));
        assertThat(locks.acquireForTransaction(name, Duration.ofSeconds(5))).isSameAs(lock);
        assertThat(lock.isHeld()).isTrue();
        assertThat(heldInDatabase(name)).isTrue();
        assertThat(other.tryAcquire(name)).isEmpty();
      } finally {
        if (commit) {
          tm.commit();
        } else {
          tm.rollback();
        }
      }
      assertThat(lock.isHeld()).isFalse();
      assertThat(heldInDatabase(name)).isFalse();
      try (LockHandle after = other.acquire(name, Duration.ofSeconds(5))) {
        if (commit) {
          assertThat(after.fencingToken()).isGreaterThan(lock.fencingToken());
        }
      }
    }
  }

  @Test
  void transactionScopedLockNeedsAnActiveTransaction() {
    LockService locks = service();
    assertThatThrownBy(
            () -> locks.acquireForTransaction(uniqueName("no-tx"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("active JTA transaction");
  }

  @Test
  void fencingTokensKeepIncreasingAcrossServiceRestarts() {
    String name = uniqueName("restart");
    long token;
    LockService first = service();
    try (LockHandle handle = first.acquire(name, Duration.ofSeconds(5))) {
      token = handle.fencingToken();
    }
    first.close();
    try (LockHandle handle = service().acquire(name, Duration.ofSeconds(5))) {
      assertThat(handle.fencingToken()).isGreaterThan(token);
    }
  }

  @Test
  void placementSendsAShardKeyToTheDatabaseThatOwnsIt() throws Exception {
    LockService locks =
        LockService.builder()
            .namespace("test")
            .database(lockDatabase("even").build())
            .database(lockDatabase("odd").build())
            .placement(
                shardKey ->
                    ((Integer) shardKey) % 2 == 0
                        ? "even"
                        : shardKey == (Object) 7 ? "nowhere" : "odd")
            .build();
    services.add(locks);
    assertThat(locks.database()).isEqualTo("even");
    assertThat(locks.forShardKey(4).database()).isEqualTo("even");
    assertThat(locks.forShardKey(3).database()).isEqualTo("odd");
    String name = uniqueName("placed");
    try (LockHandle handle = locks.forShardKey(3).acquire(name, Duration.ofSeconds(5))) {
      assertThat(locks.on("odd").isHeld(name)).isTrue();
      assertThat(locks.on("even").isHeld(name)).isFalse();
      assertThat(heldInDatabase(name)).isTrue();
      assertThat(handle.fencingToken()).isPositive();
    }
    assertThatThrownBy(() -> locks.forShardKey(7))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nowhere");
    assertThatThrownBy(() -> locks.on("missing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing");
  }
}
