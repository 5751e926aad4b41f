package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.concord.transactional.FaultyTransactionManager.Operation;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.TransactionalException;
import jakarta.transaction.UserTransaction;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The edge cases of reference §2.3 as decided in docs/transactional.md: silent rollback of a
 * rollback-only transaction, completion failures wrapped in TransactionalException (or suppressed
 * into the application's exception), transactions rolled back behind the method's back, methods
 * that leave the thread's association changed, and TransactionManager failures at every step.
 */
class CompletionEdgeCasesTest {

  public interface Edges {
    Object markRollbackOnlyAndReturn(Object value) throws Exception;

    void markRollbackOnlyAndThrow(Exception failure) throws Exception;

    Object failCommitAndReturn(Object value) throws Exception;

    void failCommitAndThrow(Exception failure) throws Exception;

    Object rollBackFromAnotherThreadAndReturn(Object value) throws Exception;

    void rollBackFromAnotherThreadAndThrow(Exception failure) throws Exception;

    Object waitForTimeout(Object value) throws Exception;

    Object suspendOwnTransactionAndReturn(Object value) throws Exception;

    Object beginWithUserTransactionAndReturn(Object value) throws Exception;

    void beginWithUserTransactionAndThrow(RuntimeException failure) throws Exception;

    Object beginWithUserTransactionInNever(Object value) throws Exception;

    Object required(Object value) throws Exception;

    Object requiresNew(Object value) throws Exception;

    void requiresNewThrowing(RuntimeException failure) throws Exception;

    Object notSupported(Object value) throws Exception;
  }

  /** What the service saw: the transaction it ran in last, and how that one ended. */
  static final class Observations {
    final RecordingSynchronization outcome = new RecordingSynchronization();
    final AtomicReference<Transaction> ranIn = new AtomicReference<>();
  }

  public static class EdgeService implements Edges {
    private final TransactionManager transactionManager;
    private final UserTransaction userTransaction;
    private final Observations observations;

    public EdgeService(
        TransactionManager transactionManager,
        UserTransaction userTransaction,
        Observations observations) {
      this.transactionManager = transactionManager;
      this.userTransaction = userTransaction;
      this.observations = observations;
    }

    private Transaction observe() throws Exception {
      Transaction transaction = transactionManager.getTransaction();
      observations.ranIn.set(transaction);
      if (transaction != null) {
        transaction.registerSynchronization(observations.outcome);
      }
      return transaction;
    }

    @Override
    @Transactional
    public Object markRollbackOnlyAndReturn(Object value) throws Exception {
      observe();
      transactionManager.setRollbackOnly();
      return value;
    }

    @Override
    @Transactional
    public void markRollbackOnlyAndThrow(Exception failure) throws Exception {
      observe().setRollbackOnly();
      throw failure;
    }

    @Override
    @Transactional
    public Object failCommitAndReturn(Object value) throws Exception {
      observe()
          .registerSynchronization(new RecordingSynchronization(new IllegalStateException("veto")));
      return value;
    }

    @Override
    @Transactional
    public void failCommitAndThrow(Exception failure) throws Exception {
      observe()
          .registerSynchronization(new RecordingSynchronization(new IllegalStateException("veto")));
      throw failure;
    }

    @Override
    @Transactional
    public Object rollBackFromAnotherThreadAndReturn(Object value) throws Exception {
      rollBackFromAnotherThread(observe());
      return value;
    }

    @Override
    @Transactional
    public void rollBackFromAnotherThreadAndThrow(Exception failure) throws Exception {
      rollBackFromAnotherThread(observe());
      throw failure;
    }

    private static void rollBackFromAnotherThread(Transaction transaction) throws Exception {
      AtomicReference<Exception> failure = new AtomicReference<>();
      Thread reaper =
          new Thread(
              () -> {
                try {
                  transaction.rollback();
                } catch (Exception e) {
                  failure.set(e);
                }
              });
      reaper.start();
      reaper.join();
      if (failure.get() != null) {
        throw failure.get();
      }
    }

    @Override
    @Transactional
    public Object waitForTimeout(Object value) throws Exception {
      Transaction transaction = observe();
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (transaction.getStatus() == Status.STATUS_ACTIVE && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return value;
    }

    @Override
    @Transactional
    public Object suspendOwnTransactionAndReturn(Object value) throws Exception {
      observe();
      transactionManager.suspend();
      return value;
    }

    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public Object beginWithUserTransactionAndReturn(Object value) throws Exception {
      userTransaction.begin();
      observe();
      return value;
    }

    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public void beginWithUserTransactionAndThrow(RuntimeException failure) throws Exception {
      userTransaction.begin();
      observe();
      throw failure;
    }

    @Override
    @Transactional(TxType.NEVER)
    public Object beginWithUserTransactionInNever(Object value) throws Exception {
      userTransaction.begin();
      observe();
      return value;
    }

    @Override
    @Transactional
    public Object required(Object value) throws Exception {
      observe();
      return value;
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public Object requiresNew(Object value) throws Exception {
      observe();
      return value;
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public void requiresNewThrowing(RuntimeException failure) throws Exception {
      observe();
      throw failure;
    }

    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public Object notSupported(Object value) throws Exception {
      observe();
      return value;
    }
  }

  private TransactionManager transactionManager;
  private Observations service;
  private Edges edges;

  private void setUp(ProxyKind kind, TransactionManagerUnderTest tm) {
    setUp(kind, tm.transactionManager(), Environments.services(tm));
  }

  private void setUp(ProxyKind kind, TransactionManager manager, TransactionalServices services) {
    transactionManager = manager;
    service = new Observations();
    edges =
        kind.make(
            services, Edges.class, EdgeService.class, manager, services.userTransaction(), service);
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void rollbackOnlyAndNormalReturnRollsBackSilently(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    setUp(kind, tm);
    Object value = new Object();
    assertThat(edges.markRollbackOnlyAndReturn(value)).isSameAs(value);
    assertThat(service.outcome.rolledBack()).as(service.outcome.toString()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void checkedExceptionAfterRollbackOnlyRollsBackAndPropagatesUnchanged(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Exception failure = new Exception("checked");
    assertThat(catchThrowable(() -> edges.markRollbackOnlyAndThrow(failure))).isSameAs(failure);
    assertThat(failure.getSuppressed()).isEmpty();
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void rollbackExceptionFromCommitReachesTheCallerWrapped(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Throwable thrown = catchThrowable(() -> edges.failCommitAndReturn(new Object()));
    assertThat(thrown)
        .isInstanceOf(TransactionalException.class)
        .hasCauseInstanceOf(RollbackException.class)
        .hasMessageContaining("failCommitAndReturn")
        .hasMessageContaining("rolled back instead of committed");
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void commitFailureAfterACheckedExceptionIsSuppressedIntoIt(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Exception failure = new Exception("checked: commits by default");
    assertThat(catchThrowable(() -> edges.failCommitAndThrow(failure))).isSameAs(failure);
    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0])
        .isInstanceOf(TransactionalException.class)
        .hasCauseInstanceOf(RollbackException.class);
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void transactionRolledBackBehindTheMethodsBackIsReported(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Throwable thrown = catchThrowable(() -> edges.rollBackFromAnotherThreadAndReturn(new Object()));
    assertThat(thrown)
        .isInstanceOf(TransactionalException.class)
        .hasCauseInstanceOf(RollbackException.class)
        .hasMessageContaining("no longer active");
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();

    RuntimeException failure = new IllegalStateException("the method's own");
    assertThat(catchThrowable(() -> edges.rollBackFromAnotherThreadAndThrow(failure)))
        .isSameAs(failure);
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void timeoutWhileTheMethodRunsIsReported(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    setUp(kind, tm);
    transactionManager.setTransactionTimeout(1);
    try {
      Throwable thrown = catchThrowable(() -> edges.waitForTimeout(new Object()));
      assertThat(thrown)
          .isInstanceOf(TransactionalException.class)
          .hasCauseInstanceOf(RollbackException.class);
    } finally {
      transactionManager.setTransactionTimeout(0);
    }
    // the timeout's rollback runs on the TM's reaper thread and may still be finishing
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!service.outcome.completed() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(service.outcome.rolledBack()).as(service.outcome.toString()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void methodThatSuspendsItsOwnTransactionGetsItRolledBack(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Throwable thrown = catchThrowable(() -> edges.suspendOwnTransactionAndReturn(new Object()));
    assertThat(thrown)
        .isInstanceOf(TransactionalException.class)
        .hasMessageContaining("no transaction instead of transaction");
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void transactionLeftOnTheThreadByANotSupportedMethodIsRolledBackAndTheCallersResumed(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    transactionManager.begin();
    Transaction caller = transactionManager.getTransaction();

    Throwable thrown = catchThrowable(() -> edges.beginWithUserTransactionAndReturn(new Object()));
    assertThat(thrown)
        .isInstanceOf(TransactionalException.class)
        .hasMessageContaining("still associated with the thread");
    assertThat(service.ranIn.get()).isNotNull().isNotEqualTo(caller);
    assertThat(service.outcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    assertThat(caller.getStatus()).isEqualTo(Status.STATUS_ACTIVE);

    RuntimeException failure = new IllegalArgumentException("own");
    assertThat(catchThrowable(() -> edges.beginWithUserTransactionAndThrow(failure)))
        .isSameAs(failure);
    assertThat(failure.getSuppressed()).singleElement().isInstanceOf(TransactionalException.class);
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    transactionManager.rollback();

    assertThat(catchThrowable(() -> edges.beginWithUserTransactionInNever(new Object())))
        .isInstanceOf(TransactionalException.class);
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void failingBeginIsReportedAndNothingRuns(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    SystemException cause = new SystemException("begin refused");
    faulty.failNext(Operation.BEGIN, cause);
    assertThat(catchThrowable(() -> edges.required(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause);
    assertThat(service.ranIn.get()).isNull();
    assertThat(faulty.getTransaction()).isNull();

    faulty.begin();
    Transaction caller = faulty.getTransaction();
    faulty.failNext(Operation.BEGIN, cause);
    assertThat(catchThrowable(() -> edges.requiresNew(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause);
    assertThat(faulty.getTransaction()).as("caller's transaction resumed").isEqualTo(caller);
    faulty.rollback();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void failingSuspendIsReportedAndNothingRuns(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    faulty.begin();
    Transaction caller = faulty.getTransaction();
    for (ThrowingCall call :
        new ThrowingCall[] {
          () -> edges.requiresNew(new Object()), () -> edges.notSupported(new Object())
        }) {
      SystemException cause = new SystemException("suspend refused");
      faulty.failNext(Operation.SUSPEND, cause);
      assertThat(catchThrowable(call::call))
          .isInstanceOf(TransactionalException.class)
          .hasCause(cause);
      assertThat(service.ranIn.get()).isNull();
      assertThat(faulty.getTransaction()).isEqualTo(caller);
    }
    faulty.rollback();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void failingResumeIsReportedWithoutHidingTheMethodsOutcome(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    faulty.begin();
    Transaction caller = faulty.getTransaction();
    InvalidTransactionException cause = new InvalidTransactionException("resume refused");
    faulty.failNext(Operation.RESUME, cause);

    assertThat(catchThrowable(() -> edges.requiresNew(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause)
        .hasMessageContaining("could not resume");
    assertThat(service.outcome.committed()).as("the inner transaction still committed").isTrue();
    assertThat(faulty.getTransaction())
        .as("the caller's transaction is lost to the thread")
        .isNull();
    assertThat(caller.getStatus()).isEqualTo(Status.STATUS_ACTIVE);

    faulty.resume(caller);
    RuntimeException failure = new IllegalStateException("own");
    faulty.failNext(Operation.RESUME, cause);
    assertThat(catchThrowable(() -> edges.requiresNewThrowing(failure))).isSameAs(failure);
    assertThat(failure.getSuppressed())
        .singleElement()
        .isInstanceOf(TransactionalException.class)
        .extracting(Throwable::getCause)
        .isSameAs(cause);
    caller.rollback();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void heuristicOutcomeIsWrapped(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    HeuristicMixedException cause = new HeuristicMixedException("mixed");
    faulty.failNext(Operation.COMMIT, cause);
    assertThat(catchThrowable(() -> edges.required(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause)
        .hasMessageContaining("heuristic");
    assertThat(faulty.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void failingRollbackOfARollbackOnlyTransactionIsReportedAndTheThreadReleased(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    SystemException cause = new SystemException("rollback refused");
    faulty.failNext(Operation.ROLLBACK, cause);
    assertThat(catchThrowable(() -> edges.markRollbackOnlyAndReturn(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause);
    assertThat(faulty.getTransaction()).isNull();
    service.ranIn.get().rollback();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void failingGetTransactionIsReportedAndNothingRuns(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    FaultyTransactionManager faulty = new FaultyTransactionManager(tm.transactionManager());
    setUp(kind, faulty, TransactionalServices.using(faulty));
    SystemException cause = new SystemException("status unknown");
    faulty.failNext(Operation.GET_TRANSACTION, cause);
    assertThat(catchThrowable(() -> edges.required(new Object())))
        .isInstanceOf(TransactionalException.class)
        .hasCause(cause);
    assertThat(service.ranIn.get()).isNull();
  }

  interface ThrowingCall {
    Object call() throws Exception;
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
