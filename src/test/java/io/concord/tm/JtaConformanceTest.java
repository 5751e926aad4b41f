package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.UserTransaction;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status and exception matrix of Jakarta Transactions 2.0 for UserTransaction,
 * TransactionManager and Transaction (reference §1.3-§1.5), re-creating the TCK's usertransaction
 * tests (§4.5), Narayana's twophase unit tests and Geronimo's and Atomikos' resume and equality
 * tests (§4.1, §4.3, §4.4).
 */
class JtaConformanceTest {
  private final TestTm t = TestTm.open();
  private final ConcordTransactionManager tm = t.tm;
  private final UserTransaction ut = tm.userTransaction();

  @AfterEach
  void close() {
    t.close();
  }

  // ---- TCK usertransaction/begin, getstatus

  @Test
  void beginMovesFromNoTransactionToActive() throws Exception {
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    ut.begin();
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
    assertThat(tm.getTransaction()).isNotNull();
    ut.commit();
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    assertThat(tm.getTransaction()).isNull();
  }

  @Test
  void nestedBeginIsNotSupported() throws Exception {
    ut.begin();
    assertThatThrownBy(ut::begin)
        .isInstanceOf(NotSupportedException.class)
        .hasMessageContaining("nested");
    ut.rollback();
  }

  @Test
  void statusAfterSetRollbackOnlyIsMarkedRollback() throws Exception {
    ut.begin();
    ut.setRollbackOnly();
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    ut.rollback();
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  // ---- TCK usertransaction/commit, rollback, setrollbackonly; Narayana UserTransactionUnitTest

  @Test
  void everyCompletionCallWithoutTransactionIsIllegalState() {
    assertThatThrownBy(ut::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ut::rollback).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ut::setRollbackOnly).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tm::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tm::rollback).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tm::setRollbackOnly).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void commitTwiceAndCommitAfterRollbackAreIllegalState() throws Exception {
    ut.begin();
    ut.commit();
    assertThatThrownBy(ut::commit).isInstanceOf(IllegalStateException.class);
    ut.begin();
    ut.rollback();
    assertThatThrownBy(ut::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ut::rollback).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ut::setRollbackOnly).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void commitAfterSetRollbackOnlyIsRollbackExceptionAndEndsTheAssociation() throws Exception {
    ut.begin();
    ut.setRollbackOnly();
    assertThatThrownBy(ut::commit).isInstanceOf(RollbackException.class);
    assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  // ---- setTransactionTimeout

  @Test
  void negativeTimeoutIsSystemExceptionAndZeroRestoresTheDefault() throws Exception {
    assertThatThrownBy(() -> ut.setTransactionTimeout(-1)).isInstanceOf(SystemException.class);
    ut.setTransactionTimeout(7);
    assertThat(tm.getTransactionTimeout()).isEqualTo(7);
    ut.setTransactionTimeout(0);
    assertThat(tm.getTransactionTimeout()).isEqualTo(60);
  }

  @Test
  void timeoutAppliesToLaterBeginsOnThisThreadOnly() throws Exception {
    ut.begin();
    long before = tm.getTimeLeftBeforeTransactionTimeout(false);
    ut.setTransactionTimeout(5);
    // The running transaction keeps its 60 s deadline (time passes between the two reads, so
    // compare with a margin); only the next begin on this thread gets 5 s.
    assertThat(tm.getTimeLeftBeforeTransactionTimeout(false))
        .isBetween(before - 2_000, before)
        .isGreaterThan(50_000);
    ut.commit();
    ut.begin();
    assertThat(tm.getTimeLeftBeforeTransactionTimeout(false)).isBetween(1L, 5_000L);
    ut.commit();
    Thread other = new Thread(() -> assertThat(tm.getTransactionTimeout()).isEqualTo(60));
    other.start();
    other.join();
  }

  @Test
  void timeLeftIsMinusOneWithoutTransactionAndRollbackExceptionWhenMarked() throws Exception {
    assertThat(tm.getTimeLeftBeforeTransactionTimeout(true)).isEqualTo(-1);
    ut.begin();
    ut.setRollbackOnly();
    assertThat(tm.getTimeLeftBeforeTransactionTimeout(false)).isPositive();
    assertThatThrownBy(() -> tm.getTimeLeftBeforeTransactionTimeout(true))
        .isInstanceOf(RollbackException.class);
    ut.rollback();
  }

  // ---- Transaction (Narayana TransactionImpleUnitTest)

  @Test
  void enlistRules() throws Exception {
    tm.begin();
    Transaction tx = tm.getTransaction();
    assertThatThrownBy(() -> tx.enlistResource(null)).isInstanceOf(SystemException.class);
    tx.setRollbackOnly();
    assertThatThrownBy(() -> tx.enlistResource(t.resource("a")))
        .isInstanceOf(RollbackException.class);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThatThrownBy(() -> tx.enlistResource(t.resource("b")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void enlistingTheSameResourceTwiceIsOneBranch() throws Exception {
    RecordingXAResource a = t.resource("a");
    tm.begin();
    assertThat(tm.getTransaction().enlistResource(a)).isTrue();
    assertThat(tm.getTransaction().enlistResource(a)).isTrue();
    tm.commit();
    assertThat(t.journal.calls()).containsExactly("a.start", "a.end(TMSUCCESS)", "a.commit(1pc)");
  }

  @Test
  void delistRules() throws Exception {
    RecordingXAResource a = t.resource("a");
    tm.begin();
    Transaction tx = tm.getTransaction();
    assertThatThrownBy(() -> tx.delistResource(null, XAResource.TMSUCCESS))
        .isInstanceOf(SystemException.class);
    assertThat(tx.delistResource(a, XAResource.TMSUCCESS)).as("unknown resource").isFalse();
    tx.enlistResource(a);
    assertThatThrownBy(() -> tx.delistResource(a, XAResource.TMJOIN))
        .isInstanceOf(SystemException.class);
    assertThat(tx.delistResource(a, XAResource.TMSUSPEND)).isTrue();
    assertThatThrownBy(() -> tx.delistResource(a, XAResource.TMSUSPEND))
        .isInstanceOf(IllegalStateException.class);
    tm.commit();
    assertThatThrownBy(() -> tx.delistResource(a, XAResource.TMSUCCESS))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void completedTransactionRejectsEverything() throws Exception {
    tm.begin();
    Transaction tx = tm.getTransaction();
    tm.commit();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tx::rollback).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tx::setRollbackOnly).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> tx.registerSynchronization(new NoopSync()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> tx.registerSynchronization(null)).isInstanceOf(SystemException.class);
  }

  @Test
  void transactionRollbackEndsAsRolledBackOnTheTransactionAndNoneOnTheThread() throws Exception {
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.rollback();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    // Atomikos testCommitAfterRollback
    assertThatThrownBy(tm::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void registerSynchronizationOnRollbackOnlyIsRollbackException() throws Exception {
    tm.begin();
    tm.setRollbackOnly();
    assertThatThrownBy(() -> tm.getTransaction().registerSynchronization(new NoopSync()))
        .isInstanceOf(RollbackException.class);
    tm.rollback();
  }

  @Test
  void equalityIsByGlobalTransaction() throws Exception {
    tm.begin();
    Transaction first = tm.getTransaction();
    assertThat(first).isEqualTo(tm.getTransaction()).hasSameHashCodeAs(tm.getTransaction());
    Transaction suspended = tm.suspend();
    tm.begin();
    Transaction second = tm.getTransaction();
    assertThat(second).isNotEqualTo(first);
    tm.commit();
    tm.resume(suspended);
    assertThat(tm.getTransaction()).isEqualTo(first);
    tm.commit();
  }

  // ---- suspend / resume (Geronimo testResume1..4, Atomikos testSuspendAndResume)

  @Test
  void suspendWithoutTransactionReturnsNull() throws Exception {
    assertThat(tm.suspend()).isNull();
  }

  @Test
  void suspendDetachesAndAnIndependentTransactionCanRun() throws Exception {
    RecordingXAResource outer = t.resource("outer");
    tm.begin();
    tm.getTransaction().enlistResource(outer);
    Transaction suspended = tm.suspend();
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    tm.begin();
    tm.getTransaction().enlistResource(t.resource("inner"));
    tm.commit();
    tm.resume(suspended);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
    tm.rollback();
    assertThat(t.journal.calls())
        .containsExactly(
            "outer.start",
            "inner.start",
            "inner.end(TMSUCCESS)",
            "inner.commit(1pc)",
            "outer.end(TMFAIL)",
            "outer.rollback");
  }

  @Test
  void resumeWhileAssociatedIsIllegalState() throws Exception {
    tm.begin();
    Transaction first = tm.suspend();
    tm.begin();
    assertThatThrownBy(() -> tm.resume(first)).isInstanceOf(IllegalStateException.class);
    tm.rollback();
    tm.resume(first);
    tm.rollback();
  }

  @Test
  void resumeNullIsValidAndLeavesTheThreadWithoutTransaction() {
    assertThatCode(() -> tm.resume(null)).doesNotThrowAnyException();
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  @Test
  void resumeOfCompletedOrForeignTransactionIsInvalid() throws Exception {
    tm.begin();
    Transaction committed = tm.getTransaction();
    tm.commit();
    assertThatThrownBy(() -> tm.resume(committed)).isInstanceOf(InvalidTransactionException.class);
    tm.begin();
    Transaction rolledBack = tm.getTransaction();
    tm.rollback();
    assertThatThrownBy(() -> tm.resume(rolledBack)).isInstanceOf(InvalidTransactionException.class);
    try (TestTm other = TestTm.open()) {
      other.tm.begin();
      Transaction foreign = other.tm.getTransaction();
      assertThatThrownBy(() -> tm.resume(foreign)).isInstanceOf(InvalidTransactionException.class);
      other.tm.rollback();
    }
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  @Test
  void resumeOnAnotherThreadAndCommitThere() throws Exception {
    tm.begin();
    tm.getTransaction().enlistResource(t.resource("a"));
    Transaction tx = tm.suspend();
    Throwable[] failure = new Throwable[1];
    Thread other =
        new Thread(
            () -> {
              try {
                tm.resume(tx);
                tm.commit();
                assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
              } catch (Throwable e) {
                failure[0] = e;
              }
            });
    other.start();
    other.join();
    assertThat(failure[0]).isNull();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
  }

  @Test
  void staleAssociationAfterCompletionOnAnotherThreadDoesNotBlockBegin() throws Exception {
    tm.begin();
    Transaction tx = tm.getTransaction();
    Thread other =
        new Thread(
            () -> {
              try {
                tx.commit();
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    other.start();
    other.join();
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    assertThatThrownBy(tm::commit).isInstanceOf(IllegalStateException.class);
    assertThat(tm.getTransaction()).isNull();
    tm.begin();
    tm.commit();
  }

  @Test
  void closedManagerRefusesBegin() {
    tm.close();
    assertThatThrownBy(tm::begin)
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("closed");
  }

  static final class NoopSync implements Synchronization {
    @Override
    public void beforeCompletion() {}

    @Override
    public void afterCompletion(int status) {}
  }
}
