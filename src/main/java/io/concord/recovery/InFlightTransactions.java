package io.concord.recovery;

import javax.transaction.xa.Xid;

/**
 * Tells recovery which global transactions the transaction manager of this process is still working
 * on, from {@code begin} until its last branch is completed and its END record written (or its
 * rollback finished). Recovery never completes a branch of such a transaction: its own coordinator
 * does, on the connection that prepared it. {@code
 * io.concord.tm.ConcordTransactionManager::isInFlight} is one.
 *
 * <p>Required ordering: a transaction leaves the in-flight set only after its COMMIT record (if it
 * has one) is in the log, so that a pass that asks this first and reads the log afterwards never
 * misses a decision.
 */
@FunctionalInterface
public interface InFlightTransactions {

  /**
   * For recovery without a transaction manager in the process (the {@code concord recover} CLI).
   */
  InFlightTransactions NONE = xid -> false;

  /** True while the transaction of this branch (any branch of it) runs or completes here. */
  boolean isInFlight(Xid xid);
}
