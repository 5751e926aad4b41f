package io.concord.lock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/** The {@link java.util.concurrent.locks.Lock} view; holds live in the shared {@link LockSlot}. */
final class SessionDistributedLock implements DistributedLock {
  private final DatabaseLocks locks;
  private final LockKey key;

  SessionDistributedLock(DatabaseLocks locks, LockKey key) {
    this.locks = locks;
    this.key = key;
  }

  @Override
  public String name() {
    return key.name();
  }

  @Override
  public void lock() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          locks.acquireSession(key, Deadline.NEVER, Thread.currentThread());
          return;
        } catch (InterruptedException e) {
          interrupted = true; // lock() is not interruptible: keep waiting, restore the flag after
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    locks.acquireSession(key, Deadline.NEVER, Thread.currentThread());
  }

  @Override
  public boolean tryLock() {
    return locks.acquireOrFail(key, Deadline.now(), Thread.currentThread()) != null;
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Deadline deadline = Deadline.after(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
    return locks.acquireSession(key, deadline, Thread.currentThread()) != null;
  }

  @Override
  public void unlock() {
    SessionHandle handle = locks.newestHandle(key, Thread.currentThread());
    if (handle == null) {
      throw new IllegalMonitorStateException(
          "thread '"
              + Thread.currentThread().getName()
              + "' does not hold lock "
              + key
              + " on database '"
              + locks.database()
              + "'");
    }
    handle.close();
  }

  @Override
  public boolean isHeldByCurrentThread() {
    SessionHandle handle = locks.newestHandle(key, Thread.currentThread());
    return handle != null && handle.isHeld();
  }

  @Override
  public long fencingToken() {
    SessionHandle handle = locks.newestHandle(key, Thread.currentThread());
    if (handle == null) {
      throw new IllegalMonitorStateException(
          "thread '" + Thread.currentThread().getName() + "' does not hold lock " + key);
    }
    return handle.fencingToken();
  }

  @Override
  public boolean isLost() {
    SessionHandle handle = locks.newestHandle(key, Thread.currentThread());
    return handle != null && handle.isLost();
  }

  /** Not supported: a database lock cannot hand a condition's wait over to another process. */
  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException(
        "distributed lock " + key + " does not support conditions");
  }

  @Override
  public String toString() {
    return "DistributedLock[" + key.name() + " on " + locks.database() + "]";
  }
}
