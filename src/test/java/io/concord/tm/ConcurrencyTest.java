package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.xa.ConcordXid;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Transaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

/**
 * Many threads beginning and completing transactions with random outcomes: every outcome is counted
 * once, the statistics add up, Xids never repeat, and no association leaks on any thread.
 */
class ConcurrencyTest {

  /** A cheap resource with a scripted answer; counts XA calls to cross-check. */
  private static final class Scripted implements XAResource {
    final AtomicLong starts;
    final int prepareVote;
    final int prepareError;
    final Set<Xid> seen;

    Scripted(AtomicLong starts, Set<Xid> seen, int prepareVote, int prepareError) {
      this.starts = starts;
      this.seen = seen;
      this.prepareVote = prepareVote;
      this.prepareError = prepareError;
    }

    @Override
    public void start(Xid xid, int flags) {
      starts.incrementAndGet();
      if (!seen.add(xid)) {
        throw new AssertionError("Xid used twice: " + xid);
      }
    }

    @Override
    public void end(Xid xid, int flags) {}

    @Override
    public int prepare(Xid xid) throws XAException {
      if (prepareError != 0) {
        throw new XAException(prepareError);
      }
      return prepareVote;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {}

    @Override
    public void rollback(Xid xid) {}

    @Override
    public void forget(Xid xid) {}

    @Override
    public Xid[] recover(int flag) {
      return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
      return false;
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
  void randomOutcomesFromManyThreadsAddUp() throws Exception {
    try (TestTm t = TestTm.open()) {
      ConcordTransactionManager tm = t.tm;
      int threads = 16;
      int perThread = 400;
      AtomicLong starts = new AtomicLong();
      Set<Xid> seen = ConcurrentHashMap.newKeySet();
      AtomicLong expectOnePhase = new AtomicLong();
      AtomicLong expectTwoPhase = new AtomicLong();
      AtomicLong expectReadOnly = new AtomicLong();
      AtomicLong expectRolledBack = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int n = 0; n < threads; n++) {
        long seed = n;
        futures.add(
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  for (int i = 0; i < perThread; i++) {
                    int kind = random.nextInt(7);
                    tm.begin();
                    Transaction tx = tm.getTransaction();
                    switch (kind) {
                      case 0 -> { // 2PC
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.commit();
                        expectTwoPhase.incrementAndGet();
                      }
                      case 1 -> { // 1PC
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.commit();
                        expectOnePhase.incrementAndGet();
                      }
                      case 2 -> { // read-only
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_RDONLY, 0));
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_RDONLY, 0));
                        tm.commit();
                        expectReadOnly.incrementAndGet();
                      }
                      case 3 -> { // explicit rollback
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.rollback();
                        expectRolledBack.incrementAndGet();
                      }
                      case 4 -> { // rollback-only
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.setRollbackOnly();
                        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
                        expectRolledBack.incrementAndGet();
                      }
                      case 5 -> { // prepare failure
                        tx.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tx.enlistResource(
                            new Scripted(starts, seen, XAResource.XA_OK, XAException.XAER_RMERR));
                        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
                        expectRolledBack.incrementAndGet();
                      }
                      default -> { // suspended, inner 1PC, resumed, completed on another thread
                        Transaction outer = tm.suspend();
                        outer.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        outer.enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.begin();
                        tm.getTransaction()
                            .enlistResource(new Scripted(starts, seen, XAResource.XA_OK, 0));
                        tm.commit();
                        expectOnePhase.incrementAndGet();
                        Thread completer =
                            new Thread(
                                () -> {
                                  try {
                                    outer.commit();
                                  } catch (Exception e) {
                                    throw new AssertionError(e);
                                  }
                                });
                        completer.start();
                        completer.join();
                        expectTwoPhase.incrementAndGet();
                      }
                    }
                    assertThat(tm.getTransaction()).as("no association leaks").isNull();
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
      pool.shutdown();

      TransactionStatistics.Snapshot stats = tm.statistics().snapshot();
      long expected =
          expectOnePhase.get()
              + expectTwoPhase.get()
              + expectReadOnly.get()
              + expectRolledBack.get();
      // the suspend/resume rounds begin two transactions each
      assertThat(expected).isGreaterThan((long) threads * perThread);
      assertThat(stats.begun()).isEqualTo(expected);
      assertThat(stats.committedOnePhase()).isEqualTo(expectOnePhase.get());
      assertThat(stats.committedTwoPhase()).isEqualTo(expectTwoPhase.get());
      assertThat(stats.committedReadOnly()).isEqualTo(expectReadOnly.get());
      assertThat(stats.rolledBack()).isEqualTo(expectRolledBack.get());
      assertThat(stats.heuristic()).isZero();
      assertThat(stats.inDoubt()).isZero();
      assertThat(stats.active()).isZero();
      assertThat(stats.completed()).isEqualTo(stats.begun());
      assertThat(tm.inFlightCount()).isZero();
      assertThat(seen).hasSize((int) starts.get());
      Set<Long> counters = new HashSet<>();
      for (Xid xid : seen) {
        ConcordXid parsed = ConcordXid.parse(xid).orElseThrow();
        if (parsed.branchNumber() == 1) {
          assertThat(counters.add(parsed.counter())).isTrue();
        }
      }
    }
  }

  @Test
  void inFlightXidsAreVisibleToRecoveryUntilCompletion() throws Exception {
    try (TestTm t = TestTm.open()) {
      ConcordTransactionManager tm = t.tm;
      RecordingXAResource a = t.resource("a");
      RecordingXAResource b = t.resource("b");
      List<Boolean> inFlightAtPhaseTwo = new ArrayList<>();
      b.on("commit", xid -> inFlightAtPhaseTwo.add(tm.isInFlight(xid)));
      tm.begin();
      tm.getTransaction().enlistResource(a);
      tm.getTransaction().enlistResource(b);
      ConcordXid xa = a.lastXid();
      assertThat(tm.isInFlight(xa)).isTrue();
      assertThat(tm.inFlightXids()).containsExactly(xa, b.lastXid());
      // another node, another incarnation, another counter: not ours
      assertThat(tm.isInFlight(ConcordXid.of("other", xa.incarnation(), xa.counter(), 1)))
          .isFalse();
      assertThat(tm.isInFlight(ConcordXid.of(xa.nodeId(), xa.incarnation() + 1, xa.counter(), 1)))
          .isFalse();
      assertThat(tm.isInFlight(ConcordXid.of(xa.nodeId(), xa.incarnation(), xa.counter() + 1, 1)))
          .isFalse();
      tm.commit();
      assertThat(inFlightAtPhaseTwo).containsExactly(true);
      assertThat(tm.isInFlight(xa)).isFalse();
      assertThat(tm.inFlightXids()).isEmpty();
      assertThat(tm.log())
          .isNull(); // TestTm wires a DecisionLog; production managers return theirs
    }
  }
}
