package io.concord.transactional;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionRequiredException;
import jakarta.transaction.TransactionalException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The semantics of {@code @jakarta.transaction.Transactional} around one call, on any JTA
 * TransactionManager. Both proxy kinds (JDK interface proxies and generated subclasses) call {@link
 * #invoke}.
 *
 * <p>Rules that hold on every path (see docs/transactional.md for the decisions behind them):
 *
 * <ul>
 *   <li>The application's exception reaches the caller unchanged (same instance). A failure of the
 *       interceptor's own work while an application exception is in flight (completion, resume) is
 *       added to it as a suppressed {@link TransactionalException}, never substituted for it.
 *   <li>Failures of the interceptor's own work with no application exception in flight reach the
 *       caller as {@link TransactionalException} whose cause is the TransactionManager's exception
 *       (RollbackException, HeuristicMixedException, SystemException, ...), so proxies never throw
 *       undeclared checked exceptions.
 *   <li>The thread's transaction association after the call is what it was before the call: a
 *       transaction the interceptor suspended is resumed in every case, a transaction the method
 *       began and left on the thread (through UserTransaction in NOT_SUPPORTED or NEVER scope) is
 *       rolled back, and a transaction the interceptor began is completed and dissociated.
 * </ul>
 */
final class TransactionalInterceptor {
  private static final Logger log = LoggerFactory.getLogger(TransactionalInterceptor.class);

  private final TransactionManager transactionManager;

  TransactionalInterceptor(TransactionManager transactionManager) {
    this.transactionManager = transactionManager;
  }

  TransactionManager transactionManager() {
    return transactionManager;
  }

  /**
   * Runs {@code method} under {@code policy}. Throws whatever the method throws, unchanged, or a
   * TransactionalException for the interceptor's own failures.
   */
  Object invoke(TransactionPolicy policy, Callable<?> method) throws Throwable {
    InterceptionScope scope = InterceptionScope.current();
    TransactionPolicy outer = scope.enter(policy);
    try {
      switch (policy.type()) {
        case REQUIRED:
          return required(policy, method);
        case REQUIRES_NEW:
          return requiresNew(policy, method);
        case MANDATORY:
          return mandatory(policy, method);
        case SUPPORTS:
          return supports(policy, method);
        case NOT_SUPPORTED:
          return notSupported(policy, method);
        case NEVER:
          return never(policy, method);
        default:
          throw new IllegalStateException("unknown TxType " + policy.type());
      }
    } finally {
      scope.exit(outer);
    }
  }

  private Object required(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    return caller == null
        ? inNewTransaction(policy, method)
        : inCallerTransaction(policy, method, caller);
  }

  private Object requiresNew(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    if (caller == null) {
      return inNewTransaction(policy, method);
    }
    Transaction suspended = suspend(policy);
    Object result;
    try {
      result = inNewTransaction(policy, method);
    } catch (Throwable failure) {
      resumeKeeping(failure, suspended, policy);
      throw failure;
    }
    resume(suspended, policy);
    return result;
  }

  private Object mandatory(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    if (caller == null) {
      String message = policy + " was called without a transaction";
      throw new TransactionalException(message, new TransactionRequiredException(message));
    }
    return inCallerTransaction(policy, method, caller);
  }

  private Object supports(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    return caller == null
        ? withoutTransaction(policy, method)
        : inCallerTransaction(policy, method, caller);
  }

  private Object notSupported(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    if (caller == null) {
      return withoutTransaction(policy, method);
    }
    Transaction suspended = suspend(policy);
    Object result;
    try {
      result = withoutTransaction(policy, method);
    } catch (Throwable failure) {
      resumeKeeping(failure, suspended, policy);
      throw failure;
    }
    resume(suspended, policy);
    return result;
  }

  private Object never(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction caller = currentTransaction(policy);
    if (caller != null) {
      String message = policy + " was called inside transaction " + caller;
      throw new TransactionalException(message, new InvalidTransactionException(message));
    }
    return withoutTransaction(policy, method);
  }

  /** The method joins the caller's transaction; a failure that rolls back marks it. */
  private static Object inCallerTransaction(
      TransactionPolicy policy, Callable<?> method, Transaction caller) throws Throwable {
    try {
      return method.call();
    } catch (Throwable failure) {
      if (policy.rollsBackOn(failure)) {
        markRollbackOnly(caller, failure, policy);
      }
      throw failure;
    }
  }

  /** Begins a transaction, runs the method in it and completes it; the thread had none before. */
  private Object inNewTransaction(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Transaction own = begin(policy);
    Object result;
    try {
      result = method.call();
    } catch (Throwable failure) {
      if (policy.rollsBackOn(failure)) {
        markRollbackOnly(own, failure, policy);
      }
      suppress(failure, complete(own, policy));
      throw failure;
    }
    TransactionalException completionFailure = complete(own, policy);
    if (completionFailure != null) {
      throw completionFailure;
    }
    return result;
  }

  /** Runs the method with no transaction on the thread; the thread had none before either. */
  private Object withoutTransaction(TransactionPolicy policy, Callable<?> method) throws Throwable {
    Object result;
    try {
      result = method.call();
    } catch (Throwable failure) {
      suppress(failure, rollBackLeftover(policy));
      throw failure;
    }
    TransactionalException leftover = rollBackLeftover(policy);
    if (leftover != null) {
      throw leftover;
    }
    return result;
  }

  private Transaction currentTransaction(TransactionPolicy policy) {
    try {
      return transactionManager.getTransaction();
    } catch (SystemException | RuntimeException e) {
      throw new TransactionalException(
          policy + ": could not read the thread's transaction from " + transactionManager, e);
    }
  }

  private Transaction begin(TransactionPolicy policy) {
    Transaction own;
    try {
      transactionManager.begin();
      own = transactionManager.getTransaction();
    } catch (Exception e) {
      throw new TransactionalException(policy + ": could not begin a transaction", e);
    }
    if (own == null) {
      throw new TransactionalException(
          policy
              + ": "
              + transactionManager
              + " began a transaction but reports none on the thread",
          null);
    }
    return own;
  }

  private Transaction suspend(TransactionPolicy policy) {
    try {
      return transactionManager.suspend();
    } catch (SystemException | RuntimeException e) {
      throw new TransactionalException(
          policy + ": could not suspend the caller's transaction; nothing was run", e);
    }
  }

  /** Resumes the caller's transaction; a failure becomes the caller's exception. */
  private void resume(Transaction suspended, TransactionPolicy policy) {
    TransactionalException failure = tryResume(suspended, policy);
    if (failure != null) {
      throw failure;
    }
  }

  /** Resumes the caller's transaction while {@code inFlight} propagates; never replaces it. */
  private void resumeKeeping(Throwable inFlight, Transaction suspended, TransactionPolicy policy) {
    suppress(inFlight, tryResume(suspended, policy));
  }

  private TransactionalException tryResume(Transaction suspended, TransactionPolicy policy) {
    try {
      transactionManager.resume(suspended);
      return null;
    } catch (InvalidTransactionException | SystemException | RuntimeException e) {
      String message =
          policy
              + ": could not resume the caller's transaction "
              + suspended
              + "; the calling thread is no longer associated with it";
      log.error(message, e);
      return new TransactionalException(message, e);
    }
  }

  /**
   * Completes the transaction the interceptor began: rolls it back silently when it is marked
   * rollback-only (Narayana's choice; the spec is silent), commits it otherwise. Returns the
   * failure as a TransactionalException instead of throwing it, so the caller decides whether it
   * replaces a return value or is suppressed into the application's exception. Afterwards the
   * thread has no transaction.
   */
  private TransactionalException complete(Transaction own, TransactionPolicy policy) {
    try {
      Transaction current = transactionManager.getTransaction();
      // equals, not ==: a TM may hand out a new Transaction object for the same transaction
      if (!own.equals(current)) {
        return abandon(own, current, policy);
      }
      int status = own.getStatus();
      if (status == Status.STATUS_MARKED_ROLLBACK) {
        transactionManager.rollback();
        return null;
      }
      if (status != Status.STATUS_ACTIVE) {
        // Rolled back (or being rolled back) behind the method's back, typically by a timeout:
        // the work is lost, and the caller must hear about it.
        rollBackQuietly(own);
        String message =
            policy
                + ": transaction "
                + own
                + " was no longer active when the method returned (status "
                + statusName(status)
                + ", e.g. rolled back by a timeout)";
        return new TransactionalException(message, new RollbackException(message));
      }
      transactionManager.commit();
      return null;
    } catch (RollbackException e) {
      return new TransactionalException(
          policy + ": transaction " + own + " was rolled back instead of committed", e);
    } catch (HeuristicMixedException | HeuristicRollbackException e) {
      return new TransactionalException(
          policy + ": transaction " + own + " ended with a heuristic outcome", e);
    } catch (SystemException | RuntimeException e) {
      return new TransactionalException(policy + ": could not complete transaction " + own, e);
    } finally {
      dissociate(own, policy);
    }
  }

  /**
   * The method left the thread associated with something other than the transaction the interceptor
   * began (a timeout dissociated it, or the method suspended it, or began another one through the
   * TransactionManager). Rolls back what it can and reports it.
   */
  private TransactionalException abandon(
      Transaction own, Transaction current, TransactionPolicy policy) {
    StringBuilder message =
        new StringBuilder(policy.toString())
            .append(": when the method returned, the thread was associated with ")
            .append(current == null ? "no transaction" : "transaction " + current)
            .append(" instead of transaction ")
            .append(own)
            .append(" begun for it");
    if (current != null) {
      try {
        Transaction stray = transactionManager.suspend();
        rollBackQuietly(stray);
        message.append("; ").append(stray).append(" was rolled back");
      } catch (SystemException | RuntimeException e) {
        message.append("; suspending ").append(current).append(" failed: ").append(e);
      }
    }
    int status = statusOf(own);
    if (status == Status.STATUS_COMMITTED) {
      return new TransactionalException(
          message.append("; it was committed by someone else").toString(), null);
    }
    rollBackQuietly(own);
    message.append("; it was rolled back (status ").append(statusName(status)).append(')');
    String text = message.toString();
    return new TransactionalException(text, new RollbackException(text));
  }

  /**
   * After NOT_SUPPORTED, NEVER and SUPPORTS-without-transaction methods: a transaction the method
   * began (with UserTransaction) and left on the thread would break the caller's association, so it
   * is rolled back and reported.
   */
  private TransactionalException rollBackLeftover(TransactionPolicy policy) {
    Transaction leftover;
    try {
      leftover = transactionManager.getTransaction();
    } catch (SystemException | RuntimeException e) {
      return new TransactionalException(
          policy + ": could not read the thread's transaction after the method returned", e);
    }
    if (leftover == null) {
      return null;
    }
    String message =
        policy
            + " returned with transaction "
            + leftover
            + " still associated with the thread (begun inside the method and not completed);"
            + " it was rolled back";
    log.error(message);
    try {
      transactionManager.rollback();
    } catch (SystemException | RuntimeException e) {
      dissociate(leftover, policy);
      return new TransactionalException(message + " as far as possible", e);
    }
    return new TransactionalException(message, null);
  }

  /** A transaction manager that left the thread associated after completion is made to let go. */
  private void dissociate(Transaction completed, TransactionPolicy policy) {
    try {
      if (transactionManager.getTransaction() != null) {
        Transaction stray = transactionManager.suspend();
        log.warn(
            "{}: {} left transaction {} on the thread after completing {}; dissociated it",
            policy,
            transactionManager,
            stray,
            completed);
      }
    } catch (SystemException | RuntimeException e) {
      log.error("{}: could not dissociate the thread from {}", policy, completed, e);
    }
  }

  private static void markRollbackOnly(
      Transaction transaction, Throwable failure, TransactionPolicy policy) {
    try {
      transaction.setRollbackOnly();
    } catch (SystemException | RuntimeException e) {
      suppress(
          failure,
          new TransactionalException(
              policy + ": could not mark transaction " + transaction + " rollback-only", e));
    }
  }

  private static void rollBackQuietly(Transaction transaction) {
    int status = statusOf(transaction);
    if (status == Status.STATUS_ACTIVE
        || status == Status.STATUS_MARKED_ROLLBACK
        || status == Status.STATUS_PREPARED
        || status == Status.STATUS_PREPARING) {
      try {
        transaction.rollback();
      } catch (SystemException | RuntimeException e) {
        log.warn("could not roll back transaction {}", transaction, e);
      }
    }
  }

  private static int statusOf(Transaction transaction) {
    try {
      return transaction.getStatus();
    } catch (SystemException | RuntimeException e) {
      return Status.STATUS_UNKNOWN;
    }
  }

  private static void suppress(Throwable inFlight, Throwable secondary) {
    if (secondary != null && secondary != inFlight) {
      inFlight.addSuppressed(secondary);
    }
  }

  static String statusName(int status) {
    switch (status) {
      case Status.STATUS_ACTIVE:
        return "ACTIVE";
      case Status.STATUS_MARKED_ROLLBACK:
        return "MARKED_ROLLBACK";
      case Status.STATUS_PREPARED:
        return "PREPARED";
      case Status.STATUS_COMMITTED:
        return "COMMITTED";
      case Status.STATUS_ROLLEDBACK:
        return "ROLLEDBACK";
      case Status.STATUS_UNKNOWN:
        return "UNKNOWN";
      case Status.STATUS_NO_TRANSACTION:
        return "NO_TRANSACTION";
      case Status.STATUS_PREPARING:
        return "PREPARING";
      case Status.STATUS_COMMITTING:
        return "COMMITTING";
      case Status.STATUS_ROLLING_BACK:
        return "ROLLING_BACK";
      default:
        return String.valueOf(status);
    }
  }
}
