package io.concord.lock;

/**
 * A lock bound to a JTA transaction: held until the transaction commits or rolls back (on
 * PostgreSQL, until phase 2 when the transaction is prepared). There is no release call.
 */
public interface TransactionLock {

  String name();

  /** The fencing token of this acquisition; see {@link LockHandle#fencingToken()}. */
  long fencingToken();

  /** True until the transaction completes (or, for session-backed variants, the lock is lost). */
  boolean isHeld();
}
