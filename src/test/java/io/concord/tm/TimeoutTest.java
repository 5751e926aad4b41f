package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Timeouts enforced by the TM (reference §1.9; Narayana timeout/SimpleTest, RollbackTest and
 * TestSimultaneousRollbackWithSynchronizationRegistry; the TCK's settransactiontimeout).
 */
class TimeoutTest {
  private final TestTm t = TestTm.open(b -> b.reaperInterval(Duration.ofMillis(20)));
  private final ConcordTransactionManager tm = t.tm;

  @AfterEach
  void close() {
    t.close();
  }

  private static void awaitStatus(Transaction tx, int status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (tx.getStatus() != status && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(ConcordTransaction.statusName(tx.getStatus()))
        .isEqualTo(ConcordTransaction.statusName(status));
  }

  @Test
  void reaperRollsBackTheBranchesAndCommitThenThrowsRollbackException() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.setTransactionTimeout(1);
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    awaitStatus(tx, Status.STATUS_ROLLEDBACK);
    // rolled back by the reaper while the application still holds the transaction
    assertThat(t.journal.calls())
        .containsExactly(
            "a.start", "b.start", "a.end(TMFAIL)", "a.rollback", "b.end(TMFAIL)", "b.rollback");
    assertThat(tm.getTransaction()).isSameAs(tx);
    assertThatThrownBy(() -> tx.enlistResource(t.resource("c")))
        .isInstanceOf(RollbackException.class)
        .hasMessageContaining("timed out");
    assertThatThrownBy(tm::begin).isInstanceOf(NotSupportedException.class);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(RollbackException.class)
        .hasMessageContaining("timed out after 1 s");
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    assertThat(tm.statistics().timedOut()).isEqualTo(1);
    assertThat(tm.statistics().rolledBack()).isEqualTo(1);
  }

  @Test
  void rollbackAfterTheTimeoutSucceedsSilently() throws Exception {
    tm.setTransactionTimeout(1);
    tm.begin();
    Transaction tx = tm.getTransaction();
    awaitStatus(tx, Status.STATUS_ROLLEDBACK);
    tm.rollback();
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    tm.begin();
    tm.commit();
  }

  @Test
  void commitAfterTheDeadlineRollsBackEvenBeforeTheReaperRuns() throws Exception {
    try (TestTm slow = TestTm.open(b -> b.reaperInterval(Duration.ofHours(1)))) {
      RecordingXAResource a = slow.resource("a");
      slow.tm.setTransactionTimeout(1);
      slow.tm.begin();
      slow.tm.getTransaction().enlistResource(a);
      Thread.sleep(1100);
      assertThatThrownBy(slow.tm::commit)
          .isInstanceOf(RollbackException.class)
          .hasMessageContaining("timed out");
      assertThat(slow.journal.calls()).containsExactly("a.start", "a.end(TMFAIL)", "a.rollback");
      assertThat(slow.tm.statistics().timedOut()).isEqualTo(1);
    }
  }

  @Test
  void transactionWithinItsTimeoutCommits() throws Exception {
    tm.setTransactionTimeout(2);
    tm.begin();
    Thread.sleep(300);
    tm.commit();
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    assertThat(tm.statistics().timedOut()).isZero();
  }

  @Test
  void zeroDefaultMeansNoTimeout() throws Exception {
    try (TestTm none = TestTm.open(b -> b.defaultTimeout(Duration.ZERO))) {
      none.tm.begin();
      assertThat(none.tm.getTimeLeftBeforeTransactionTimeout(false)).isEqualTo(-1);
      none.tm.commit();
    }
  }

  @Test
  void badConfigurationIsRejectedWithAMessage() {
    assertThatThrownBy(() -> TestTm.open(b -> b.defaultTimeout(Duration.ofMillis(500))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> TestTm.open(b -> b.reaperInterval(Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TestTm.open(b -> b.defaultTimeout(Duration.ofSeconds(-1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everySynchronizationSeesAfterCompletionExactlyOnceWhenRacingTheTimeout() throws Exception {
    // Narayana TestSimultaneousRollbackWithSynchronizationRegistry
    AtomicInteger afterCompletions = new AtomicInteger();
    AtomicInteger registered = new AtomicInteger();
    for (int round = 0; round < 6; round++) {
      tm.setTransactionTimeout(1);
      tm.begin();
      Transaction tx = tm.getTransaction();
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1200);
      while (System.nanoTime() < until) {
        try {
          tm.transactionSynchronizationRegistry()
              .registerInterposedSynchronization(
                  new Synchronization() {
                    @Override
                    public void beforeCompletion() {}

                    @Override
                    public void afterCompletion(int status) {
                      afterCompletions.incrementAndGet();
                    }
                  });
          registered.incrementAndGet();
        } catch (IllegalStateException timedOut) {
          break;
        }
        if (round % 2 == 0) {
          Thread.onSpinWait();
        } else {
          break; // odd rounds: let the reaper find an idle transaction
        }
      }
      awaitStatus(tx, Status.STATUS_ROLLEDBACK);
      tm.rollback();
    }
    assertThat(afterCompletions.get()).isEqualTo(registered.get());
  }

  @Test
  void timeoutDuringBeforeCompletionEndsInRollback() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.setTransactionTimeout(1);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.getTransaction()
        .registerSynchronization(
            new Synchronization() {
              @Override
              public void beforeCompletion() {
                inside.countDown();
                try {
                  Thread.sleep(1500); // a slow flush outlives the timeout
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }

              @Override
              public void afterCompletion(int status) {}
            });
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(t.journal.calls()).doesNotContain("a.prepare", "b.prepare");
    assertThat(tm.statistics().timedOut()).isEqualTo(1);
  }
}
