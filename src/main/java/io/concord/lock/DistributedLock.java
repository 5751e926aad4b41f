package io.concord.lock;

import java.util.concurrent.locks.Lock;

/**
 * A {@link Lock} view of one lock name for code written against {@code java.util.concurrent}.
 * Reentrant per thread; {@link #unlock()} must be called by the thread that locked. {@link #lock()}
 * polls the database until it gets the lock (it never parks inside a server-side wait); prefer
 * {@link #tryLock(long, java.util.concurrent.TimeUnit)} with a bound. {@link #newCondition()} is
 * not supported.
 */
public interface DistributedLock extends Lock {

  String name();

  boolean isHeldByCurrentThread();

  /**
   * The fencing token of the current thread's hold.
   *
   * @throws IllegalMonitorStateException if the current thread does not hold the lock
   */
  long fencingToken();

  /** True when the current thread's hold was lost (see {@link LockHandle#isLost()}). */
  boolean isLost();
}
