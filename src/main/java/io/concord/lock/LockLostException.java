package io.concord.lock;

/**
 * The lock stopped being held before it was released: its database session died (killed backend,
 * server restart, failover, network loss), its lease ran out, or its release found it no longer
 * held. Work done under the lock after the loss was not protected; fencing tokens exist so that
 * storage can reject such writes.
 */
public final class LockLostException extends LockException {
  private static final long serialVersionUID = 1L;

  private final String lockName;

  LockLostException(String lockName, String message, Throwable cause) {
    super(message, cause);
    this.lockName = lockName;
  }

  public String lockName() {
    return lockName;
  }
}
