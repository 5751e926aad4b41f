package io.concord.lock;

/**
 * Told when a held lock is lost. Runs on the thread that detected the loss (the keep-alive thread
 * or the thread releasing the lock); it must return quickly and must not block on the lock.
 */
@FunctionalInterface
public interface LockLostListener {
  void lockLost(LockLostEvent event);
}
