package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.nio.channels.IllegalBlockingModeException;
import java.sql.DataTruncation;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.SQLWarning;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * rollbackOn / dontRollbackOn: subclasses match, dontRollbackOn wins when both match (the spec's
 * own examples), Errors roll back unless listed in dontRollbackOn, and a Throwable that is neither
 * an Exception nor an Error counts as checked. Checked in the method's own transaction (committed
 * or rolled back) and in a joined one (left active or marked).
 */
class RollbackRulesTest {

  public interface Rules {
    /** rollbackOn = Exception, dontRollbackOn = IllegalStateException. */
    void rollbackOnExceptionButNotIllegalState(Throwable failure) throws Throwable;

    /** rollbackOn = SQLException, dontRollbackOn = SQLWarning (JTA spec example). */
    void rollbackOnSqlExceptionButNotWarning(Throwable failure) throws Throwable;

    /** dontRollbackOn = Error. */
    void dontRollbackOnError(Throwable failure) throws Throwable;

    /** dontRollbackOn = RuntimeException. */
    void dontRollbackOnRuntimeException(Throwable failure) throws Throwable;

    /** no rules: the defaults. */
    void defaults(Throwable failure) throws Throwable;
  }

  /** A Throwable that is neither an Exception nor an Error. */
  static class OddThrowable extends Throwable {
    private static final long serialVersionUID = 1L;
  }

  interface RuleCall {
    void call(Rules rules, Throwable failure) throws Throwable;
  }

  private static final class RuleCase {
    final String description;
    final RuleCall call;
    final Supplier<Throwable> failure;
    final boolean rollsBack;

    RuleCase(String description, RuleCall call, Supplier<Throwable> failure, boolean rollsBack) {
      this.description = description;
      this.call = call;
      this.failure = failure;
      this.rollsBack = rollsBack;
    }

    @Override
    public String toString() {
      return description + (rollsBack ? " rolls back" : " does not roll back");
    }
  }

  private static List<RuleCase> ruleCases() {
    RuleCall both = Rules::rollbackOnExceptionButNotIllegalState;
    RuleCall sql = Rules::rollbackOnSqlExceptionButNotWarning;
    RuleCall error = Rules::dontRollbackOnError;
    RuleCall runtime = Rules::dontRollbackOnRuntimeException;
    RuleCall defaults = Rules::defaults;
    return List.of(
        new RuleCase("both match: IllegalStateException", both, IllegalStateException::new, false),
        new RuleCase(
            "both match: a subclass of IllegalStateException",
            both,
            IllegalBlockingModeException::new,
            false),
        new RuleCase("rollbackOn=Exception: IOException", both, IOException::new, true),
        new RuleCase(
            "rollbackOn=Exception: IllegalArgumentException",
            both,
            IllegalArgumentException::new,
            true),
        new RuleCase("rollbackOn=Exception: AssertionError", both, AssertionError::new, true),
        new RuleCase("rollbackOn=SQLException: SQLWarning", sql, SQLWarning::new, false),
        new RuleCase(
            "rollbackOn=SQLException: DataTruncation (a SQLWarning)",
            sql,
            () -> new DataTruncation(1, false, true, 10, 5),
            false),
        new RuleCase("rollbackOn=SQLException: SQLException", sql, SQLException::new, true),
        new RuleCase(
            "rollbackOn=SQLException: SQLTransientException",
            sql,
            SQLTransientException::new,
            true),
        new RuleCase("dontRollbackOn=Error: AssertionError", error, AssertionError::new, false),
        new RuleCase(
            "dontRollbackOn=Error: StackOverflowError", error, StackOverflowError::new, false),
        new RuleCase("dontRollbackOn=Error: RuntimeException", error, RuntimeException::new, true),
        new RuleCase(
            "dontRollbackOn=RuntimeException: IllegalArgumentException",
            runtime,
            IllegalArgumentException::new,
            false),
        new RuleCase("dontRollbackOn=RuntimeException: Error", runtime, LinkageError::new, true),
        new RuleCase("defaults: Exception", defaults, Exception::new, false),
        new RuleCase("defaults: RuntimeException", defaults, RuntimeException::new, true),
        new RuleCase("defaults: Error", defaults, InternalError::new, true),
        new RuleCase(
            "defaults: a Throwable neither Exception nor Error",
            defaults,
            OddThrowable::new,
            false));
  }

  static Stream<Arguments> cases() {
    return Environments.all()
        .flatMap(
            environment ->
                Stream.of(true, false)
                    .flatMap(
                        joined ->
                            ruleCases().stream()
                                .map(
                                    ruleCase ->
                                        Arguments.of(
                                            environment.get()[0],
                                            environment.get()[1],
                                            joined,
                                            ruleCase))));
  }

  private TransactionManager transactionManager;

  @ParameterizedTest(name = "{3} (joined: {2}) via {0} on {1}")
  @MethodSource("cases")
  void appliesTheRules(
      ProxyKind kind, TransactionManagerUnderTest tm, boolean joined, RuleCase ruleCase)
      throws Exception {
    transactionManager = tm.transactionManager();
    Throwable failure = ruleCase.failure.get();
    RecordingSynchronization outcome = new RecordingSynchronization();
    Transaction caller = null;
    if (joined) {
      transactionManager.begin();
      caller = transactionManager.getTransaction();
      caller.registerSynchronization(outcome);
    }
    Rules rules =
        kind.make(
            Environments.services(tm),
            Rules.class,
            AnnotatedRules.class,
            transactionManager,
            joined ? null : outcome);

    Throwable thrown = catchThrowable(() -> ruleCase.call.call(rules, failure));

    assertThat(thrown).isSameAs(failure);
    assertThat(thrown.getSuppressed()).isEmpty();
    assertThat(transactionManager.getTransaction()).isEqualTo(caller);
    if (joined) {
      assertThat(caller.getStatus())
          .isEqualTo(ruleCase.rollsBack ? Status.STATUS_MARKED_ROLLBACK : Status.STATUS_ACTIVE);
      transactionManager.rollback();
    } else {
      assertThat(outcome.toString())
          .isEqualTo(
              ruleCase.rollsBack
                  ? "completed 1x, last ROLLEDBACK"
                  : "completed 1x, last COMMITTED");
    }
  }

  /**
   * Registers {@code outcome} (when given) with the transaction each method runs in, then throws.
   */
  public static class AnnotatedRules implements Rules {
    private final TransactionManager transactionManager;
    private final RecordingSynchronization outcome;

    public AnnotatedRules(TransactionManager transactionManager, RecordingSynchronization outcome) {
      this.transactionManager = transactionManager;
      this.outcome = outcome;
    }

    private void observe() throws Exception {
      if (outcome != null) {
        transactionManager.getTransaction().registerSynchronization(outcome);
      }
    }

    @Override
    @Transactional(rollbackOn = Exception.class, dontRollbackOn = IllegalStateException.class)
    public void rollbackOnExceptionButNotIllegalState(Throwable failure) throws Throwable {
      observe();
      throw failure;
    }

    @Override
    @Transactional(rollbackOn = SQLException.class, dontRollbackOn = SQLWarning.class)
    public void rollbackOnSqlExceptionButNotWarning(Throwable failure) throws Throwable {
      observe();
      throw failure;
    }

    @Override
    @Transactional(dontRollbackOn = Error.class)
    public void dontRollbackOnError(Throwable failure) throws Throwable {
      observe();
      throw failure;
    }

    @Override
    @Transactional(dontRollbackOn = RuntimeException.class)
    public void dontRollbackOnRuntimeException(Throwable failure) throws Throwable {
      observe();
      throw failure;
    }

    @Override
    @Transactional
    public void defaults(Throwable failure) throws Throwable {
      observe();
      throw failure;
    }
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
