package io.concord.transactional;

import jakarta.transaction.Transactional.TxType;

/**
 * The innermost intercepted method on the current thread, so that the {@link
 * GuardedUserTransaction} can refuse to work inside REQUIRED, REQUIRES_NEW, MANDATORY and SUPPORTS
 * methods. One mutable holder per thread: entering a method costs a thread-local read and two field
 * writes, and nothing is allocated.
 *
 * <p>Shared by every {@link TransactionalServices} of the class loader: a method intercepted
 * through one instance makes the UserTransaction of every other instance unavailable too, because
 * the rule is about the thread being inside such a method, not about which factory made its proxy.
 */
final class InterceptionScope {
  private static final ThreadLocal<InterceptionScope> CURRENT =
      ThreadLocal.withInitial(InterceptionScope::new);

  /** The innermost intercepted method's policy; null outside every intercepted method. */
  private TransactionPolicy innermost;

  private InterceptionScope() {}

  static InterceptionScope current() {
    return CURRENT.get();
  }

  /** Makes {@code policy} the innermost one; returns the previous one for {@link #exit}. */
  TransactionPolicy enter(TransactionPolicy policy) {
    TransactionPolicy outer = innermost;
    innermost = policy;
    return outer;
  }

  void exit(TransactionPolicy outer) {
    innermost = outer;
  }

  /**
   * Throws IllegalStateException when the thread is inside a method whose TxType forbids
   * UserTransaction.
   */
  static void checkUserTransactionAllowed(String operation) {
    TransactionPolicy policy = CURRENT.get().innermost;
    if (policy != null && !policy.userTransactionAllowed()) {
      throw new IllegalStateException(
          "UserTransaction."
              + operation
              + " called inside "
              + policy
              + ": Jakarta Transactions allows UserTransaction only outside @Transactional methods"
              + " and inside "
              + TxType.NOT_SUPPORTED
              + " and "
              + TxType.NEVER
              + " ones; use the TransactionManager or TransactionSynchronizationRegistry instead");
    }
  }
}
