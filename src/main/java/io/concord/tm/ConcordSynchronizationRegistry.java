package io.concord.tm;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * The {@link TransactionSynchronizationRegistry} of a {@link ConcordTransactionManager}: stateless,
 * thread-safe, always about the calling thread's transaction.
 */
final class ConcordSynchronizationRegistry implements TransactionSynchronizationRegistry {
  private final ConcordTransactionManager tm;

  ConcordSynchronizationRegistry(ConcordTransactionManager tm) {
    this.tm = tm;
  }

  /** The thread's transaction itself (equal for every caller in it), or null. */
  @Override
  public Object getTransactionKey() {
    return tm.current();
  }

  @Override
  public void putResource(Object key, Object value) {
    required("putResource").putResource(key, value);
  }

  @Override
  public Object getResource(Object key) {
    return required("getResource").getResource(key);
  }

  /**
   * Its {@code beforeCompletion} runs after every normal synchronization's, its {@code
   * afterCompletion} before theirs.
   */
  @Override
  public void registerInterposedSynchronization(Synchronization sync) {
    required("registerInterposedSynchronization").registerInterposedSynchronization(sync);
  }

  @Override
  public int getTransactionStatus() {
    ConcordTransaction tx = tm.current();
    return tx == null ? Status.STATUS_NO_TRANSACTION : tx.getStatus();
  }

  @Override
  public void setRollbackOnly() {
    required("setRollbackOnly").setRollbackOnly();
  }

  @Override
  public boolean getRollbackOnly() {
    ConcordTransaction tx = required("getRollbackOnly");
    int s = tx.getStatus();
    return tx.isTimedOut()
        || s == Status.STATUS_MARKED_ROLLBACK
        || s == Status.STATUS_ROLLING_BACK
        || s == Status.STATUS_ROLLEDBACK;
  }

  private ConcordTransaction required(String what) {
    ConcordTransaction tx = tm.current();
    if (tx == null) {
      throw new IllegalStateException(what + ": no transaction on this thread");
    }
    return tx;
  }

  @Override
  public String toString() {
    return "TransactionSynchronizationRegistry of " + tm;
  }
}
