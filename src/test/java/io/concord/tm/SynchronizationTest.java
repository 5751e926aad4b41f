package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Synchronizations and the TransactionSynchronizationRegistry (reference §1.7, §1.8): Geronimo's
 * TransactionSynchronizationRegistryTest ordering cases and Narayana's TSR and
 * SynchronizationUnitTest cases.
 */
class SynchronizationTest {
  private final TestTm t = TestTm.open();
  private final ConcordTransactionManager tm = t.tm;
  private final TransactionSynchronizationRegistry tsr = tm.transactionSynchronizationRegistry();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void close() {
    t.close();
  }

  private final class Recording implements Synchronization {
    private final String name;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public void beforeCompletion() {
      events.add(name + ".before");
    }

    @Override
    public void afterCompletion(int status) {
      events.add(name + ".after(" + ConcordTransaction.statusName(status) + ")");
    }
  }

  @Test
  void orderIsNormalBeforeInterposedBeforeTwoPhaseCommitInterposedAfterNormalAfter()
      throws Exception {
    RecordingXAResource a = t.resource("a").on("prepare", x -> events.add("prepare"));
    RecordingXAResource b = t.resource("b").on("commit", x -> events.add("phase2"));
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    // Geronimo testSynchCallOrderOnCommit: the interposed one is registered first
    tsr.registerInterposedSynchronization(new Recording("interposed"));
    tm.getTransaction().registerSynchronization(new Recording("normal"));
    tm.commit();
    assertThat(events)
        .containsExactly(
            "normal.before",
            "interposed.before",
            "prepare",
            "phase2",
            "interposed.after(COMMITTED)",
            "normal.after(COMMITTED)");
  }

  @Test
  void commitOfRollbackOnlySkipsBeforeCompletionButCallsAfterCompletionInOrder() throws Exception {
    tm.begin();
    tsr.registerInterposedSynchronization(new Recording("interposed"));
    tm.getTransaction().registerSynchronization(new Recording("normal"));
    tm.setRollbackOnly();
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(events).containsExactly("interposed.after(ROLLEDBACK)", "normal.after(ROLLEDBACK)");
  }

  @Test
  void rollbackCallsOnlyAfterCompletion() throws Exception {
    tm.begin();
    tm.getTransaction().registerSynchronization(new Recording("normal"));
    tm.rollback();
    assertThat(events).containsExactly("normal.after(ROLLEDBACK)");
  }

  @Test
  void uncheckedExceptionInBeforeCompletionRollsBackWithItAsCauseAndAfterCompletionRunsOnce()
      throws Exception {
    IllegalStateException boom = new IllegalStateException("flush failed");
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.getTransaction()
        .registerSynchronization(
            new Synchronization() {
              @Override
              public void beforeCompletion() {
                throw boom;
              }

              @Override
              public void afterCompletion(int status) {
                events.add("failing.after(" + ConcordTransaction.statusName(status) + ")");
              }
            });
    tm.getTransaction().registerSynchronization(new Recording("second"));
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).hasCause(boom);
    assertThat(events).containsExactly("failing.after(ROLLEDBACK)", "second.after(ROLLEDBACK)");
    assertThat(t.journal.calls()).doesNotContain("a.prepare", "b.prepare");
  }

  @Test
  void afterCompletionExceptionDoesNotChangeTheOutcome() throws Exception {
    tm.begin();
    tm.getTransaction()
        .registerSynchronization(
            new Synchronization() {
              @Override
              public void beforeCompletion() {}

              @Override
              public void afterCompletion(int status) {
                throw new IllegalStateException("ignored");
              }
            });
    tm.getTransaction().registerSynchronization(new Recording("next"));
    Transaction tx = tm.getTransaction();
    tm.commit();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    assertThat(events).containsExactly("next.before", "next.after(COMMITTED)");
  }

  @Test
  void synchronizationsMayRegisterMoreAndEnlistDuringBeforeCompletion() throws Exception {
    RecordingXAResource late = t.resource("late");
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.registerSynchronization(
        new Synchronization() {
          @Override
          public void beforeCompletion() {
            try {
              tx.registerSynchronization(new Recording("added-normal"));
              tsr.registerInterposedSynchronization(new Recording("added-interposed"));
              tx.enlistResource(late); // Narayana EnlistResourceDuringCommit
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }

          @Override
          public void afterCompletion(int status) {}
        });
    tm.commit();
    assertThat(events)
        .containsExactly(
            "added-normal.before",
            "added-interposed.before",
            "added-interposed.after(COMMITTED)",
            "added-normal.after(COMMITTED)");
    assertThat(t.journal.calls())
        .containsExactly("late.start", "late.end(TMSUCCESS)", "late.commit(1pc)");
  }

  @Test
  void normalRegistrationWhileInterposedCallbacksRunIsRejected() throws Exception {
    List<Throwable> rejected = new ArrayList<>();
    tm.begin();
    Transaction tx = tm.getTransaction();
    tsr.registerInterposedSynchronization(
        new Synchronization() {
          @Override
          public void beforeCompletion() {
            try {
              tx.registerSynchronization(new Recording("too-late"));
            } catch (Exception | Error e) {
              rejected.add(e);
            }
          }

          @Override
          public void afterCompletion(int status) {}
        });
    tm.commit();
    assertThat(rejected).singleElement().isInstanceOf(IllegalStateException.class);
  }

  @Test
  void beforeCompletionRunsInTheTransactionContextEvenWhenCommittedFromAnotherThread()
      throws Exception {
    tm.begin();
    Transaction tx = tm.suspend();
    List<Object> seen = new ArrayList<>();
    tx.registerSynchronization(
        new Synchronization() {
          @Override
          public void beforeCompletion() {
            seen.add(tm.getTransaction());
          }

          @Override
          public void afterCompletion(int status) {}
        });
    tx.commit();
    assertThat(seen).containsExactly(tx);
    assertThat(tm.getTransaction()).isNull();
  }

  // ---- TSR (Narayana TransactionSynchronizationRegistryTest, Geronimo testTransactionKey)

  @Test
  void keyIsNullWithoutTransactionAndStableWithin() throws Exception {
    assertThat(tsr.getTransactionKey()).isNull();
    assertThat(tsr.getTransactionStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    tm.begin();
    Object key = tsr.getTransactionKey();
    assertThat(key).isNotNull().isEqualTo(tsr.getTransactionKey());
    Transaction suspended = tm.suspend();
    tm.begin();
    assertThat(tsr.getTransactionKey()).isNotEqualTo(key);
    tm.commit();
    tm.resume(suspended);
    assertThat(tsr.getTransactionKey()).isEqualTo(key);
    tm.commit();
    assertThat(tsr.getTransactionKey()).isNull();
  }

  @Test
  void resourcesArePerTransactionAndFollowMapRules() throws Exception {
    assertThatThrownBy(() -> tsr.putResource("k", "v")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> tsr.getResource("k")).isInstanceOf(IllegalStateException.class);
    tm.begin();
    assertThatThrownBy(() -> tsr.putResource(null, "v")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> tsr.getResource(null)).isInstanceOf(NullPointerException.class);
    assertThat(tsr.getResource("k")).isNull();
    tsr.putResource("k", "v1");
    tsr.putResource("k", "v2");
    tsr.putResource("nullable", null);
    assertThat(tsr.getResource("k")).isEqualTo("v2");
    assertThat(tsr.getResource("nullable")).isNull();
    Transaction outer = tm.suspend();
    tm.begin();
    assertThat(tsr.getResource("k")).isNull();
    tm.commit();
    tm.resume(outer);
    assertThat(tsr.getResource("k")).isEqualTo("v2");
    List<Throwable> inAfterCompletion = new ArrayList<>();
    tsr.registerInterposedSynchronization(
        new Synchronization() {
          @Override
          public void beforeCompletion() {
            assertThat(tsr.getResource("k")).isEqualTo("v2");
          }

          @Override
          public void afterCompletion(int status) {
            try {
              tsr.getResource("k");
            } catch (IllegalStateException e) {
              inAfterCompletion.add(e);
            }
          }
        });
    tm.commit();
    assertThat(inAfterCompletion).hasSize(1);
  }

  @Test
  void rollbackOnlyThroughTheRegistry() throws Exception {
    assertThatThrownBy(tsr::setRollbackOnly).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tsr::getRollbackOnly).isInstanceOf(IllegalStateException.class);
    tm.begin();
    assertThat(tsr.getRollbackOnly()).isFalse();
    tsr.setRollbackOnly();
    assertThat(tsr.getRollbackOnly()).isTrue();
    assertThat(tsr.getTransactionStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    tm.rollback();
  }

  @Test
  void interposedRegistrationWithoutTransactionOrAfterCompletionIsIllegalState() throws Exception {
    assertThatThrownBy(() -> tsr.registerInterposedSynchronization(new Recording("x")))
        .isInstanceOf(IllegalStateException.class);
    tm.begin();
    List<Throwable> failures = new ArrayList<>();
    tm.getTransaction()
        .registerSynchronization(
            new Synchronization() {
              @Override
              public void beforeCompletion() {}

              @Override
              public void afterCompletion(int status) {
                try {
                  tsr.registerInterposedSynchronization(new Recording("late"));
                } catch (IllegalStateException e) {
                  failures.add(e);
                }
              }
            });
    tm.commit();
    assertThat(failures).hasSize(1);
    assertThat(events).isEmpty();
  }
}
