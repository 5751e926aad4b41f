package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionRequiredException;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.TransactionalException;
import jakarta.transaction.UserTransaction;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The full matrix of {@code @Transactional} semantics: every TxType × the caller's transaction
 * state × what the method does, through both proxy kinds, on every TransactionManager under test.
 * Each case checks where the method ran, how every transaction ended, which exception the caller
 * got (the very instance the method threw), whether UserTransaction was usable inside, and that the
 * thread's association afterwards is what it was before.
 *
 * <p>The expectations come from {@link Expectation}, which encodes the specification's tables (JTA
 * {@code Transactional} javadoc) independently of the interceptor's code.
 */
class TransactionalMatrixTest {

  enum CallerState {
    NONE("no transaction"),
    ACTIVE("active transaction"),
    MARKED("rollback-only transaction");

    private final String label;

    CallerState(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** What the intercepted method does; each throws a fresh instance, to check identity. */
  enum Behaviour {
    RETURN("returns normally", false),
    UNCHECKED("throws an unchecked exception", true),
    CHECKED("throws a checked exception", false),
    ERROR("throws an Error", true),
    ROLLBACK_ON_MATCH("throws a subclass of a rollbackOn (checked) exception", true),
    DONT_ROLLBACK_ON_MATCH("throws a subclass of a dontRollbackOn (unchecked) exception", false);

    private final String label;
    private final boolean rollsBack;

    Behaviour(String label, boolean rollsBack) {
      this.label = label;
      this.rollsBack = rollsBack;
    }

    Object perform(Probe probe) throws Exception {
      switch (this) {
        case RETURN:
          Object value = new Object();
          probe.produced = value;
          return value;
        case UNCHECKED:
          throw probe.produce(new PlainUncheckedFailure());
        case CHECKED:
          throw probe.produce(new PlainCheckedFailure());
        case ERROR:
          throw probe.produce(new PlainError());
        case ROLLBACK_ON_MATCH:
          throw probe.produce(new SpecificRollbackOnFailure());
        case DONT_ROLLBACK_ON_MATCH:
          throw probe.produce(new SpecificDontRollbackOnFailure());
        default:
          throw new IllegalStateException(name());
      }
    }

    @Override
    public String toString() {
      return label;
    }
  }

  static class RollbackOnFailure extends Exception {
    private static final long serialVersionUID = 1L;
  }

  static class SpecificRollbackOnFailure extends RollbackOnFailure {
    private static final long serialVersionUID = 1L;
  }

  static class DontRollbackOnFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  static class SpecificDontRollbackOnFailure extends DontRollbackOnFailure {
    private static final long serialVersionUID = 1L;
  }

  static class PlainCheckedFailure extends Exception {
    private static final long serialVersionUID = 1L;
  }

  static class PlainUncheckedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  static class PlainError extends Error {
    private static final long serialVersionUID = 1L;
  }

  /** One method per TxType; all six carry the same rollback rules. */
  public interface MatrixService {
    Object required(Behaviour behaviour) throws Exception;

    Object requiresNew(Behaviour behaviour) throws Exception;

    Object mandatory(Behaviour behaviour) throws Exception;

    Object supports(Behaviour behaviour) throws Exception;

    Object notSupported(Behaviour behaviour) throws Exception;

    Object never(Behaviour behaviour) throws Exception;
  }

  public static class AnnotatedMatrixService implements MatrixService {
    private final Probe probe;

    public AnnotatedMatrixService(Probe probe) {
      this.probe = probe;
    }

    @Override
    @Transactional(
        value = TxType.REQUIRED,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object required(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }

    @Override
    @Transactional(
        value = TxType.REQUIRES_NEW,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object requiresNew(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }

    @Override
    @Transactional(
        value = TxType.MANDATORY,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object mandatory(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }

    @Override
    @Transactional(
        value = TxType.SUPPORTS,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object supports(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }

    @Override
    @Transactional(
        value = TxType.NOT_SUPPORTED,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object notSupported(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }

    @Override
    @Transactional(
        value = TxType.NEVER,
        rollbackOn = RollbackOnFailure.class,
        dontRollbackOn = DontRollbackOnFailure.class)
    public Object never(Behaviour behaviour) throws Exception {
      return probe.run(behaviour);
    }
  }

  /** What the method observed while it ran. */
  public static final class Probe {
    private final TransactionManager transactionManager;
    private final UserTransaction userTransaction;
    boolean invoked;
    Transaction ranIn;
    int statusInside = Status.STATUS_NO_TRANSACTION;
    boolean userTransactionAllowed;
    RecordingSynchronization outcomeOfRanIn;
    Object produced;

    Probe(TransactionManager transactionManager, UserTransaction userTransaction) {
      this.transactionManager = transactionManager;
      this.userTransaction = userTransaction;
    }

    Object run(Behaviour behaviour) throws Exception {
      invoked = true;
      ranIn = transactionManager.getTransaction();
      if (ranIn != null) {
        statusInside = ranIn.getStatus();
        if (statusInside == Status.STATUS_ACTIVE) {
          outcomeOfRanIn = new RecordingSynchronization();
          ranIn.registerSynchronization(outcomeOfRanIn);
        }
      }
      try {
        userTransaction.getStatus();
        userTransactionAllowed = true;
      } catch (IllegalStateException refused) {
        userTransactionAllowed = false;
      }
      return behaviour.perform(this);
    }

    <T extends Throwable> T produce(T failure) {
      produced = failure;
      return failure;
    }
  }

  /** The specification's tables, written out independently of the interceptor. */
  static final class Expectation {
    enum Context {
      NEW,
      CALLER,
      NONE
    }

    final boolean violation;
    final Class<? extends Exception> violationCause;
    final Context context;
    final boolean userTransactionAllowed;

    Expectation(TxType type, CallerState caller) {
      boolean hasCaller = caller != CallerState.NONE;
      switch (type) {
        case REQUIRED:
          violationCause = null;
          context = hasCaller ? Context.CALLER : Context.NEW;
          break;
        case REQUIRES_NEW:
          violationCause = null;
          context = Context.NEW;
          break;
        case MANDATORY:
          violationCause = hasCaller ? null : TransactionRequiredException.class;
          context = Context.CALLER;
          break;
        case SUPPORTS:
          violationCause = null;
          context = hasCaller ? Context.CALLER : Context.NONE;
          break;
        case NOT_SUPPORTED:
          violationCause = null;
          context = Context.NONE;
          break;
        case NEVER:
          violationCause = hasCaller ? InvalidTransactionException.class : null;
          context = Context.NONE;
          break;
        default:
          throw new IllegalArgumentException(String.valueOf(type));
      }
      violation = violationCause != null;
      userTransactionAllowed = type == TxType.NOT_SUPPORTED || type == TxType.NEVER;
    }
  }

  private static final Map<String, TransactionalServices> SERVICES = new ConcurrentHashMap<>();

  private TransactionManager transactionManager;

  static Stream<Arguments> cases() {
    return TransactionManagerUnderTest.all().stream()
        .flatMap(
            tm ->
                Arrays.stream(ProxyKind.values())
                    .flatMap(
                        kind ->
                            Arrays.stream(TxType.values())
                                .flatMap(
                                    type ->
                                        Arrays.stream(CallerState.values())
                                            .flatMap(
                                                caller ->
                                                    Arrays.stream(Behaviour.values())
                                                        .map(
                                                            behaviour ->
                                                                Arguments.of(
                                                                    type, caller, behaviour, kind,
                                                                    tm))))));
  }

  @ParameterizedTest(name = "{0} called with {1}, method {2}, via {3} on {4}")
  @MethodSource("cases")
  void behavesAsSpecified(
      TxType type,
      CallerState callerState,
      Behaviour behaviour,
      ProxyKind kind,
      TransactionManagerUnderTest tmUnderTest)
      throws Exception {
    transactionManager = tmUnderTest.transactionManager();
    TransactionalServices services =
        SERVICES.computeIfAbsent(
            tmUnderTest.toString(), name -> TransactionalServices.using(transactionManager));
    Probe probe = new Probe(transactionManager, services.userTransaction());
    MatrixService service =
        kind.make(services, MatrixService.class, AnnotatedMatrixService.class, probe);
    Expectation expected = new Expectation(type, callerState);

    Transaction caller = null;
    RecordingSynchronization callerOutcome = new RecordingSynchronization();
    if (callerState != CallerState.NONE) {
      transactionManager.begin();
      caller = transactionManager.getTransaction();
      caller.registerSynchronization(callerOutcome);
      if (callerState == CallerState.MARKED) {
        caller.setRollbackOnly();
      }
    }

    Object returned = null;
    Throwable thrown = null;
    try {
      returned = call(service, type, behaviour);
    } catch (Throwable t) {
      thrown = t;
    }
    Transaction afterwards = transactionManager.getTransaction();

    // the thread's association is what it was before the call, and UserTransaction is usable again
    assertThat(afterwards).as("transaction on the thread after the call").isEqualTo(caller);
    assertThat(InterceptionScope.current().enter(null)).as("innermost method after call").isNull();
    services.userTransaction().getStatus();

    if (expected.violation) {
      assertThat(probe.invoked).as("method invoked despite the violation").isFalse();
      assertThat(thrown).isInstanceOf(TransactionalException.class);
      assertThat(thrown.getCause()).isInstanceOf(expected.violationCause);
      assertThat(thrown.getMessage()).contains(type.name());
    } else {
      assertThat(probe.invoked).as("method invoked").isTrue();
      if (behaviour == Behaviour.RETURN) {
        assertThat(thrown).as("exception from a method that returned").isNull();
        assertThat(returned).as("returned value").isSameAs(probe.produced);
      } else {
        assertThat(thrown).as("the method's own exception, unchanged").isSameAs(probe.produced);
        assertThat(thrown.getSuppressed()).as("suppressed exceptions").isEmpty();
      }
      assertThat(probe.userTransactionAllowed)
          .as("UserTransaction usable inside a %s method", type)
          .isEqualTo(expected.userTransactionAllowed);
      switch (expected.context) {
        case NONE:
          assertThat(probe.ranIn).as("transaction the method ran in").isNull();
          break;
        case CALLER:
          assertThat(probe.ranIn).as("transaction the method ran in").isEqualTo(caller);
          break;
        case NEW:
          assertThat(probe.ranIn)
              .as("transaction the method ran in")
              .isNotNull()
              .isNotEqualTo(caller);
          assertThat(probe.statusInside).isEqualTo(Status.STATUS_ACTIVE);
          assertThat(probe.outcomeOfRanIn.toString())
              .as("outcome of the method's own transaction")
              .isEqualTo(
                  behaviour.rollsBack
                      ? "completed 1x, last ROLLEDBACK"
                      : "completed 1x, last COMMITTED");
          break;
        default:
          fail("unknown context");
      }
    }

    if (caller != null) {
      assertThat(callerOutcome.completed())
          .as("caller's transaction completed by callee")
          .isFalse();
      boolean markedByCallee =
          !expected.violation
              && expected.context == Expectation.Context.CALLER
              && behaviour.rollsBack;
      int expectedStatus =
          callerState == CallerState.MARKED || markedByCallee
              ? Status.STATUS_MARKED_ROLLBACK
              : Status.STATUS_ACTIVE;
      assertThat(TransactionalInterceptor.statusName(caller.getStatus()))
          .as("caller's transaction status afterwards")
          .isEqualTo(TransactionalInterceptor.statusName(expectedStatus));
      transactionManager.rollback();
      assertThat(callerOutcome.rolledBack()).isTrue();
    }
  }

  private static Object call(MatrixService service, TxType type, Behaviour behaviour)
      throws Exception {
    switch (type) {
      case REQUIRED:
        return service.required(behaviour);
      case REQUIRES_NEW:
        return service.requiresNew(behaviour);
      case MANDATORY:
        return service.mandatory(behaviour);
      case SUPPORTS:
        return service.supports(behaviour);
      case NOT_SUPPORTED:
        return service.notSupported(behaviour);
      case NEVER:
        return service.never(behaviour);
      default:
        throw new IllegalArgumentException(String.valueOf(type));
    }
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    InterceptionScope.current().exit(null);
    if (transactionManager != null && transactionManager.getTransaction() != null) {
      transactionManager.rollback();
    }
  }
}
