package io.concord.log;

import static io.concord.log.TransactionLogTest.commit;
import static io.concord.log.TransactionLogTest.gtrid;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: one force per lone commit, shared forces under concurrency, interrupts, idling. */
class GroupCommitTest {

  @TempDir Path directory;
  final FaultyChannel.Faults faults = new FaultyChannel.Faults();

  LogOptions.Builder options() {
    return LogOptions.builder(directory)
        .nodeId("node-a")
        .segmentSizeBytes(1024 * 1024)
        .channelOpener(faults.opener());
  }

  @Test
  void oneThreadAlonePaysExactlyOneForcePerCommitAndEndsRideAlong() throws Exception {
    try (TransactionLog log =
        TransactionLog.open(options().endDelayNanos(TimeUnit.SECONDS.toNanos(30)).build())) {
      int before = faults.dataForces.get();
      for (int i = 0; i < 100; i++) {
        log.appendCommit(commit(i));
        log.appendEnd(gtrid(i)); // as the TM does after phase 2: not forced on its own
      }
      assertThat(faults.dataForces.get() - before).isEqualTo(100);
      assertThat(log.liveCommits()).hasSize(1); // the last END is still waiting for a ride
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).isEmpty(); // close wrote the last END
    }
  }

  @Test
  void endWithoutAnyLaterCommitIsWrittenAfterTheDelay() throws Exception {
    try (TransactionLog log =
        TransactionLog.open(options().endDelayNanos(TimeUnit.MILLISECONDS.toNanos(20)).build())) {
      log.appendCommit(commit(1));
      log.appendEnd(gtrid(1));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!log.liveCommits().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(log.liveCommits()).isEmpty();
    }
  }

  @Test
  void concurrentCommitsShareForces() throws Exception {
    int threads = 16;
    int perThread = 50;
    try (TransactionLog log = TransactionLog.open(options().build())) {
      int before = faults.dataForces.get();
      runConcurrently(
          threads,
          t -> {
            for (int i = 0; i < perThread; i++) {
              log.appendCommit(commit(t * 1000 + i));
            }
          });
      int forces = faults.dataForces.get() - before;
      assertThat(forces).isLessThan(threads * perThread);
      assertThat(log.liveCommits()).hasSize(threads * perThread);
    }
  }

  @Test
  void interruptedAppendersStillGetTheirOutcomeAndTheLogSurvives() throws Exception {
    int threads = 8;
    int perThread = 100;
    AtomicInteger interruptedReturns = new AtomicInteger();
    try (TransactionLog log = TransactionLog.open(options().build())) {
      List<Thread> workers = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int t = 0; t < threads; t++) {
        int base = t * 1000;
        Thread worker =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < perThread; i++) {
                      log.appendCommit(commit(base + i));
                      if (Thread.interrupted()) {
                        interruptedReturns.incrementAndGet();
                      }
                      log.appendEnd(gtrid(base + i));
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                });
        workers.add(worker);
        worker.start();
      }
      AtomicBoolean stop = new AtomicBoolean();
      Thread interrupter =
          new Thread(
              () -> {
                while (!stop.get()) {
                  workers.get(ThreadLocalRandom.current().nextInt(threads)).interrupt();
                  try {
                    Thread.sleep(0, 200_000);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      interrupter.start();
      for (Thread worker : workers) {
        worker.join();
      }
      stop.set(true);
      interrupter.join();
      assertThat(failure.get()).isNull();
      assertThat(interruptedReturns.get()).isPositive(); // interrupts did land during appends
      Thread.currentThread().interrupt();
      log.appendCommit(commit(99_999)); // the log is healthy, the channel still open
      assertThat(Thread.interrupted()).as("interrupt status restored").isTrue();
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).containsExactly(commit(99_999));
    }
  }

  @Test
  void fullQueueBlocksAppendersUntilTheWriterCatchesUp() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().maxPendingAppends(4).build())) {
      CountDownLatch gate = new CountDownLatch(1);
      faults.forceGate = gate;
      try {
        int forcesBefore = faults.dataForces.get();
        Thread held = new Thread(() -> runUnchecked(() -> log.appendCommit(commit(0))));
        held.start(); // the writer takes it and is held in force()
        while (faults.dataForces.get() == forcesBefore) {
          Thread.sleep(1);
        }
        for (int i = 1; i <= 4; i++) {
          log.appendEnd(gtrid(i)); // fills the queue of 4
        }
        Thread blocked = new Thread(() -> runUnchecked(() -> log.appendEnd(gtrid(5))));
        blocked.start();
        Thread.sleep(200);
        assertThat(blocked.getState())
            .as("appender blocked by back-pressure")
            .isEqualTo(Thread.State.WAITING);
        gate.countDown();
        blocked.join(10_000);
        held.join(10_000);
        assertThat(blocked.isAlive()).isFalse();
        assertThat(held.isAlive()).isFalse();
      } finally {
        faults.forceGate = null;
        gate.countDown();
      }
    }
  }

  @Test
  void aLoneCommitterSpinsForAShortForceInsteadOfParking() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().forceMode(ForceMode.NONE).build())) {
      long spin = 0;
      for (int i = 0; i < 1000 && spin == 0; i++) { // a write slower than the cap gives 0: retry
        log.appendCommit(commit(i));
        spin = log.appenderSpinNanos();
      }
      assertThat(spin).isPositive().isLessThanOrEqualTo(LogWriter.MAX_SPIN_NANOS);
    }
  }

  @Test
  void committersSharingABatchNeverSpin() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().forceMode(ForceMode.NONE).build())) {
      for (int i = 0; i < 20; i++) {
        log.appendCommit(commit(i)); // a lone committer first: spinning is on
      }
      CountDownLatch gate = new CountDownLatch(1);
      faults.writeGate = gate;
      List<Thread> committers = new ArrayList<>();
      try {
        Thread first = new Thread(() -> runUnchecked(() -> log.appendCommit(commit(100))));
        first.start();
        Thread.sleep(50); // the writer takes it and is held before writing it
        for (int t = 1; t <= 4; t++) {
          int id = 100 + t;
          Thread committer = new Thread(() -> runUnchecked(() -> log.appendCommit(commit(id))));
          committers.add(committer);
          committer.start();
        }
        committers.add(first);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (committers.stream().anyMatch(c -> c.getState() != Thread.State.WAITING)
            && System.nanoTime() < deadline) {
          Thread.sleep(1); // until all four later committers are queued and parked
        }
      } finally {
        faults.writeGate = null;
        gate.countDown();
      }
      for (Thread committer : committers) {
        committer.join(10_000);
      }
      // The four queued committers went out in one batch, which the next batches remember.
      assertThat(log.appenderSpinNanos()).isZero();
    }
  }

  @Test
  void aWaiterYieldsItsCoreWhileItsShortForceIsInFlightAndNeedsNoWakeUp() throws Exception {
    // The waiter is the second of the batch: the writer unparks only the first (this thread,
    // which never waits), so the waiter can only return by seeing its outcome while it yields.
    LogWriter.Pending first = pendingOfAnotherThread(1);
    AtomicReference<LogWriter.Pending> second = new AtomicReference<>();
    CountDownLatch created = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stalled = new AtomicBoolean();
    Thread waiter =
        new Thread(
            () -> {
              try {
                LogWriter.Pending mine = pending(2);
                second.set(mine);
                created.countDown();
                mine.awaitWritten(0, TimeUnit.SECONDS.toNanos(30), stalled::set);
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    waiter.setDaemon(true);
    waiter.start();
    created.await();
    try {
      for (int i = 0; i < 20; i++) {
        Thread.sleep(5);
        Thread.State state = waiter.getState();
        if (state != Thread.State.RUNNABLE) {
          // Only a yield that stalled (a CPU-bound thread took the core) may make it park.
          assertThat(stalled.get()).as("parked after a stalled yield (%s)", state).isTrue();
          break;
        }
      }
    } finally {
      LogWriter.Pending.completeAll(List.of(first, second.get()), null);
    }
    waiter.join(2_000);
    if (waiter.isAlive()) {
      assertThat(stalled.get()).as("only a waiter that parked needs a wake-up").isTrue();
      LockSupport.unpark(waiter);
      waiter.join(10_000);
    }
    assertThat(waiter.isAlive()).isFalse();
    assertThat(failure.get()).isNull();
  }

  @Test
  void withoutAYieldBudgetAWaiterParks() throws Exception {
    AtomicReference<LogWriter.Pending> mine = new AtomicReference<>();
    CountDownLatch created = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              mine.set(pending(1));
              created.countDown();
              runUnchecked(() -> mine.get().awaitWritten(0, 0, stalled -> {}));
            });
    waiter.setDaemon(true);
    waiter.start();
    created.await();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(waiter.getState()).isEqualTo(Thread.State.WAITING);
    } finally {
      LogWriter.Pending.completeAll(List.of(mine.get()), null); // unparks the first waiter
    }
    waiter.join(10_000);
    assertThat(waiter.isAlive()).isFalse();
  }

  @Test
  void everyChildsOutcomeIsWrittenBeforeItsParentsSoAnEarlyParentCannotStrandIt() throws Exception {
    // A waiter that sees its outcome without being woken (spinning or yielding) unparks its
    // children at once; a child woken before its own outcome was written would park again with
    // nobody left to wake it. An observer that sees the first outcome must find the last one.
    int size = 64;
    AtomicInteger strandable = new AtomicInteger();
    for (int round = 0; round < 2_000; round++) {
      List<LogWriter.Pending> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        batch.add(pending(i));
      }
      CountDownLatch spinning = new CountDownLatch(1);
      Thread observer =
          new Thread(
              () -> {
                spinning.countDown();
                while (!batch.get(0).completed()) {
                  Thread.onSpinWait();
                }
                if (!batch.get(size - 1).completed()) {
                  strandable.incrementAndGet();
                }
              });
      observer.start();
      spinning.await();
      LogWriter.Pending.completeAll(batch, null);
      observer.join();
    }
    assertThat(strandable.get()).isZero();
  }

  @Test
  void manyCommittersThatYieldAllReturnRoundAfterRound() throws Exception {
    // Committers that see their outcome while yielding wake their children themselves; if one
    // woke a child too early, that child would wait forever and the round would not finish.
    // ForceMode.NONE: the "force" is a write of a few microseconds, so every waiter has a yield
    // budget whatever the disk of the machine running the test.
    for (int round = 0; round < 20; round++) {
      try (TransactionLog log = TransactionLog.open(options().forceMode(ForceMode.NONE).build())) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger commits = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int base = round * 1_000_000;
        List<Thread> committers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int from = base + t * 10_000;
          Thread committer =
              new Thread(
                  () -> {
                    try {
                      for (int i = from; !stop.get(); i++) {
                        log.appendCommit(commit(i));
                        log.appendEnd(gtrid(i));
                        commits.incrementAndGet();
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  });
          committer.setDaemon(true); // a stranded one must not keep the test JVM alive
          committers.add(committer);
          committer.start();
        }
        // Sampled in the first 50 ms: the writer may pause yielding only at the end of its first
        // 100 ms window (if this machine's other load makes the yields stall).
        boolean yielding = false;
        for (int i = 0; i < 50; i++) {
          Thread.sleep(1);
          yielding |= log.appenderYieldNanos() > 0;
        }
        Thread.sleep(50);
        assertThat(yielding).as("committers yield").isTrue();
        stop.set(true);
        for (Thread committer : committers) {
          committer.join(10_000);
          assertThat(committer.isAlive()).as("round %d: %s returned", round, committer).isFalse();
        }
        assertThat(failure.get()).isNull();
        assertThat(commits.get()).isPositive();
      }
    }
  }

  @Test
  void committersYieldOnlyWhileForcesAreShortAndOnlyWithSpinWait() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().forceMode(ForceMode.NONE).build())) {
      commitUntilYielding(log, 0);
      assertThat(log.appenderYieldNanos())
          .isPositive()
          .isLessThanOrEqualTo(LogWriter.YIELD_FORCES * LogWriter.MAX_YIELD_FORCE_NANOS);
    }
    try (TransactionLog log =
        TransactionLog.open(options().forceMode(ForceMode.NONE).spinWait(false).build())) {
      for (int i = 0; i < 100; i++) {
        log.appendCommit(commit(10_000 + i));
        assertThat(log.appenderYieldNanos()).isZero();
        assertThat(log.appenderSpinNanos()).isZero();
      }
    }
  }

  @Test
  void yieldingPausesWhenYieldsStallAndResumesAfterThePause() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().forceMode(ForceMode.NONE).build())) {
      int n = commitUntilYielding(log, 0);
      assertThat(log.appenderYieldNanos()).isPositive();
      // committers alone: up to about half the waits of a bad window stall
      n = reportWindow(log, 2, n);
      assertThat(log.appenderYieldNanos()).as("no stalls: keeps yielding").isPositive();
      // next to CPU-bound threads (measured: 87–98 %)
      n = reportWindow(log, 10, n);
      assertThat(log.appenderYieldNanos()).as("paused").isZero();
      Thread.sleep(LogWriter.YIELD_PAUSE_NANOS / 1_000_000 + 20);
      log.appendCommit(commit(n++));
      commitUntilYielding(log, n);
      assertThat(log.appenderYieldNanos()).as("resumed after the pause").isPositive();
    }
  }

  @Test
  void theYieldBudgetIsThreeForcesUpToAQuarterMillisecondForceAndNothingAbove() {
    assertThat(LogWriter.yieldNanos(100_000, true)).isEqualTo(300_000);
    assertThat(LogWriter.yieldNanos(250_000, true)).isEqualTo(750_000);
    assertThat(LogWriter.yieldNanos(250_001, true)).isZero(); // a slow disk: park at once
    assertThat(LogWriter.yieldNanos(20_000_000, true)).isZero();
    assertThat(LogWriter.yieldNanos(100_000, false)).isZero();
  }

  /** Commits until the writer offers a yield budget (a write slower than the cap gives none). */
  private static int commitUntilYielding(TransactionLog log, int from) throws LogException {
    int n = from;
    while (log.appenderYieldNanos() == 0 && n < from + 1000) {
      log.appendCommit(commit(n++));
    }
    return n;
  }

  /**
   * Reports 100 yielding waits of which all but every {@code keptEvery}-th stalled (every other for
   * 2: half; for 10: 90 %), lets the writer's window end and commits once so that it checks it.
   */
  private static int reportWindow(TransactionLog log, int keptEvery, int n) throws Exception {
    for (int i = 0; i < 100; i++) {
      log.reportYield(i % keptEvery != 0);
    }
    Thread.sleep(LogWriter.YIELD_WINDOW_NANOS / 1_000_000 + 20);
    log.appendCommit(commit(n));
    return n + 1;
  }

  /** A pending record whose waiter is a thread that has ended: unparking it does nothing. */
  private static LogWriter.Pending pendingOfAnotherThread(int n) throws InterruptedException {
    AtomicReference<LogWriter.Pending> created = new AtomicReference<>();
    Thread creator = new Thread(() -> created.set(pending(n)));
    creator.start();
    creator.join();
    return created.get();
  }

  private static LogWriter.Pending pending(int n) {
    LogEntry entry = new LogEntry.Commit(commit(n));
    return new LogWriter.Pending(entry, RecordCodec.encodeFrame(entry), true);
  }

  @Test
  void idleWriterDoesNotSpin() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      log.appendCommit(commit(1));
      log.appendEnd(gtrid(1));
      Thread.sleep(200); // let the END go out
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Thread writer =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().equals("concord-log-writer[" + directory + "]"))
              .findFirst()
              .orElseThrow();
      long before = threads.getThreadCpuTime(writer.getId());
      Thread.sleep(1000);
      long used = threads.getThreadCpuTime(writer.getId()) - before;
      assertThat(used).as("writer CPU nanos while idle for 1 s").isLessThan(20_000_000L);
    }
  }

  interface Body {
    void run(int thread) throws Exception;
  }

  interface Action {
    void run() throws Exception;
  }

  static void runUnchecked(Action action) {
    try {
      action.run();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void runConcurrently(int threads, Body body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await();
                  body.run(index);
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      workers.add(worker);
      worker.start();
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }
}
