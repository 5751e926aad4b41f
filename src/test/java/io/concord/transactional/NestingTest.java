package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.TransactionalException;
import jakarta.transaction.UserTransaction;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Transactional methods calling transactional methods of other services: a REQUIRED method calling
 * a failing REQUIRES_NEW one and the reverse, a NEVER violation inside a REQUIRED method, and every
 * TxType calling itself recursively with UserTransaction availability and the association restored
 * on the way out.
 */
class NestingTest {

  /** What happened, in order, across the nested services. */
  static final class Trace {
    final List<Transaction> innerRanIn = new ArrayList<>();
    Transaction outerRanIn;
    Transaction outerAfterInnerCall;
    final RecordingSynchronization innerOutcome = new RecordingSynchronization();
    final RecordingSynchronization outerOutcome = new RecordingSynchronization();
  }

  public interface Inner {
    void requiresNewFailing(RuntimeException failure) throws Exception;

    void requiredFailing(RuntimeException failure) throws Exception;

    void never();
  }

  public static class InnerService implements Inner {
    private final TransactionManager transactionManager;
    private final Trace trace;

    public InnerService(TransactionManager transactionManager, Trace trace) {
      this.transactionManager = transactionManager;
      this.trace = trace;
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public void requiresNewFailing(RuntimeException failure) throws Exception {
      Transaction transaction = transactionManager.getTransaction();
      trace.innerRanIn.add(transaction);
      transaction.registerSynchronization(trace.innerOutcome);
      throw failure;
    }

    @Override
    @Transactional(TxType.REQUIRED)
    public void requiredFailing(RuntimeException failure) throws Exception {
      trace.innerRanIn.add(transactionManager.getTransaction());
      throw failure;
    }

    @Override
    @Transactional(TxType.NEVER)
    public void never() {
      trace.innerRanIn.add(null);
    }
  }

  public interface Outer {
    void requiredCallingFailingRequiresNew(RuntimeException failure, boolean catchIt)
        throws Exception;

    void requiresNewCallingFailingRequired(RuntimeException failure, boolean catchIt)
        throws Exception;

    void requiredCallingNever(boolean catchIt) throws Exception;
  }

  public static class OuterService implements Outer {
    private final TransactionManager transactionManager;
    private final Inner inner;
    private final Trace trace;

    public OuterService(TransactionManager transactionManager, Inner inner, Trace trace) {
      this.transactionManager = transactionManager;
      this.inner = inner;
      this.trace = trace;
    }

    private void enter() throws Exception {
      trace.outerRanIn = transactionManager.getTransaction();
      trace.outerRanIn.registerSynchronization(trace.outerOutcome);
    }

    @Override
    @Transactional(TxType.REQUIRED)
    public void requiredCallingFailingRequiresNew(RuntimeException failure, boolean catchIt)
        throws Exception {
      enter();
      try {
        inner.requiresNewFailing(failure);
      } catch (RuntimeException e) {
        if (!catchIt) {
          throw e;
        }
      } finally {
        trace.outerAfterInnerCall = transactionManager.getTransaction();
      }
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public void requiresNewCallingFailingRequired(RuntimeException failure, boolean catchIt)
        throws Exception {
      enter();
      try {
        inner.requiredFailing(failure);
      } catch (RuntimeException e) {
        if (!catchIt) {
          throw e;
        }
      } finally {
        trace.outerAfterInnerCall = transactionManager.getTransaction();
      }
    }

    @Override
    @Transactional(TxType.REQUIRED)
    public void requiredCallingNever(boolean catchIt) throws Exception {
      enter();
      try {
        inner.never();
      } catch (TransactionalException e) {
        if (!catchIt) {
          throw e;
        }
      } finally {
        trace.outerAfterInnerCall = transactionManager.getTransaction();
      }
    }
  }

  private TransactionManager transactionManager;
  private Trace trace;
  private Outer outer;

  private void setUp(ProxyKind kind, TransactionManagerUnderTest tm) {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    trace = new Trace();
    Inner inner = kind.make(services, Inner.class, InnerService.class, transactionManager, trace);
    outer = kind.make(services, Outer.class, OuterService.class, transactionManager, inner, trace);
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void requiredCallingAFailingRequiresNewThatItCatchesCommitsItsOwnWork(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    RuntimeException failure = new IllegalStateException("inner fails");

    outer.requiredCallingFailingRequiresNew(failure, true);

    assertThat(trace.innerRanIn).singleElement().isNotNull().isNotEqualTo(trace.outerRanIn);
    assertThat(trace.innerOutcome.rolledBack()).as("inner").isTrue();
    assertThat(trace.outerAfterInnerCall).as("outer resumed").isEqualTo(trace.outerRanIn);
    assertThat(trace.outerOutcome.committed()).as("outer: " + trace.outerOutcome).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void requiredCallingAFailingRequiresNewThatItDoesNotCatchRollsBackBoth(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    RuntimeException failure = new IllegalStateException("inner fails");

    assertThat(catchThrowable(() -> outer.requiredCallingFailingRequiresNew(failure, false)))
        .isSameAs(failure);
    assertThat(failure.getSuppressed()).isEmpty();
    assertThat(trace.innerOutcome.rolledBack()).isTrue();
    assertThat(trace.outerAfterInnerCall).isEqualTo(trace.outerRanIn);
    assertThat(trace.outerOutcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void requiresNewCallingAFailingRequiredThatItCatchesRollsBackSilently(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    transactionManager.begin();
    Transaction caller = transactionManager.getTransaction();
    RuntimeException failure = new IllegalArgumentException("inner fails");

    outer.requiresNewCallingFailingRequired(failure, true);

    assertThat(trace.outerRanIn).isNotNull().isNotEqualTo(caller);
    assertThat(trace.innerRanIn).as("inner joined outer").containsExactly(trace.outerRanIn);
    assertThat(trace.outerAfterInnerCall).isEqualTo(trace.outerRanIn);
    assertThat(trace.outerOutcome.rolledBack())
        .as("the inner failure marked the shared transaction; the outer returned normally")
        .isTrue();
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    assertThat(caller.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
    transactionManager.commit();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void requiresNewCallingAFailingRequiredThatItDoesNotCatchLeavesTheCallerActive(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    transactionManager.begin();
    Transaction caller = transactionManager.getTransaction();
    RuntimeException failure = new IllegalArgumentException("inner fails");

    assertThat(catchThrowable(() -> outer.requiresNewCallingFailingRequired(failure, false)))
        .isSameAs(failure);
    assertThat(trace.outerOutcome.rolledBack()).isTrue();
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    assertThat(caller.getStatus())
        .as("the caller's transaction was suspended, so nothing marked it")
        .isEqualTo(Status.STATUS_ACTIVE);
    transactionManager.rollback();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void neverViolationInsideRequiredMarksTheOuterTransaction(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(kind, tm);
    Throwable thrown = catchThrowable(() -> outer.requiredCallingNever(false));
    assertThat(thrown).isInstanceOf(TransactionalException.class);
    assertThat(trace.innerRanIn).as("NEVER method not run").isEmpty();
    assertThat(trace.outerOutcome.rolledBack()).isTrue();

    setUp(kind, tm);
    outer.requiredCallingNever(true);
    assertThat(trace.outerOutcome.committed())
        .as("the violation is thrown before the inner interceptor could mark anything")
        .isTrue();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  /** Each TxType calling itself, through its own proxy, a few levels deep. */
  public interface Recursive {
    void descend(TxType type, int depth) throws Exception;
  }

  /** Per level: transaction and UserTransaction availability before and after the nested call. */
  static final class Level {
    Transaction before;
    Transaction after;
    boolean userTransactionBefore;
    boolean userTransactionAfter;
  }

  public static class RecursiveService implements Recursive {
    private final TransactionManager transactionManager;
    private final UserTransaction userTransaction;
    private final List<Level> levels;
    private Recursive self;

    public RecursiveService(
        TransactionManager transactionManager,
        UserTransaction userTransaction,
        List<Level> levels) {
      this.transactionManager = transactionManager;
      this.userTransaction = userTransaction;
      this.levels = levels;
    }

    public void setSelf(Recursive self) {
      this.self = self;
    }

    @Override
    public void descend(TxType type, int depth) throws Exception {
      switch (type) {
        case REQUIRED:
          required(depth);
          break;
        case REQUIRES_NEW:
          requiresNew(depth);
          break;
        case MANDATORY:
          mandatory(depth);
          break;
        case SUPPORTS:
          supports(depth);
          break;
        case NOT_SUPPORTED:
          notSupported(depth);
          break;
        case NEVER:
          never(depth);
          break;
        default:
          throw new IllegalArgumentException(String.valueOf(type));
      }
    }

    @Transactional(TxType.REQUIRED)
    public void required(int depth) throws Exception {
      level(TxType.REQUIRED, depth);
    }

    @Transactional(TxType.REQUIRES_NEW)
    public void requiresNew(int depth) throws Exception {
      level(TxType.REQUIRES_NEW, depth);
    }

    @Transactional(TxType.MANDATORY)
    public void mandatory(int depth) throws Exception {
      level(TxType.MANDATORY, depth);
    }

    @Transactional(TxType.SUPPORTS)
    public void supports(int depth) throws Exception {
      level(TxType.SUPPORTS, depth);
    }

    @Transactional(TxType.NOT_SUPPORTED)
    public void notSupported(int depth) throws Exception {
      level(TxType.NOT_SUPPORTED, depth);
    }

    @Transactional(TxType.NEVER)
    public void never(int depth) throws Exception {
      level(TxType.NEVER, depth);
    }

    private void level(TxType type, int depth) throws Exception {
      Level level = new Level();
      levels.add(level);
      level.before = transactionManager.getTransaction();
      level.userTransactionBefore = userTransactionAllowed();
      if (depth > 0) {
        self.descend(type, depth - 1);
      }
      level.after = transactionManager.getTransaction();
      level.userTransactionAfter = userTransactionAllowed();
    }

    private boolean userTransactionAllowed() throws SystemException {
      try {
        userTransaction.getStatus();
        return true;
      } catch (IllegalStateException refused) {
        return false;
      }
    }
  }

  /**
   * The recursion goes through the proxy's own {@code descend}, which is not annotated (it passes
   * straight through) and calls the annotated method on {@code this}: for JDK proxies that is the
   * target, so the recursion uses the subclass kind, where calls on {@code this} are intercepted.
   */
  static Stream<Arguments> recursions() {
    return TransactionManagerUnderTest.all().stream()
        .flatMap(tm -> Stream.of(TxType.values()).map(type -> Arguments.of(type, tm)));
  }

  @ParameterizedTest(name = "{0} calling itself on {1}")
  @MethodSource("recursions")
  void everyTxTypeNestedInItselfRestoresAssociationAndUserTransaction(
      TxType type, TransactionManagerUnderTest tm) throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    List<Level> levels = new ArrayList<>();
    RecursiveService recursive =
        services.instantiate(
            RecursiveService.class, transactionManager, services.userTransaction(), levels);
    recursive.setSelf(recursive);
    Transaction caller = null;
    if (type == TxType.MANDATORY || type == TxType.SUPPORTS) {
      transactionManager.begin();
      caller = transactionManager.getTransaction();
    }

    recursive.descend(type, 3);

    assertThat(levels).hasSize(4);
    boolean userTransactionAllowed = type == TxType.NOT_SUPPORTED || type == TxType.NEVER;
    for (Level level : levels) {
      assertThat(level.after).isEqualTo(level.before);
      assertThat(level.userTransactionBefore).isEqualTo(userTransactionAllowed);
      assertThat(level.userTransactionAfter).isEqualTo(userTransactionAllowed);
      switch (type) {
        case REQUIRED:
          assertThat(level.before).isNotNull().isEqualTo(levels.get(0).before);
          break;
        case REQUIRES_NEW:
          assertThat(level.before).isNotNull();
          assertThat(levels.stream().filter(other -> other.before.equals(level.before))).hasSize(1);
          break;
        case MANDATORY:
        case SUPPORTS:
          assertThat(level.before).isEqualTo(caller);
          break;
        default:
          assertThat(level.before).isNull();
      }
    }
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    services.userTransaction().getStatus();
    if (caller != null) {
      transactionManager.rollback();
    }
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
