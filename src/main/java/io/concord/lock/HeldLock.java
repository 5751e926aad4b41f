package io.concord.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock as the database holds it for this process: taken once, whatever the number of reentrant
 * holds on the client. Knows whether it was lost and whom to tell.
 */
abstract class HeldLock {
  private static final Logger LOG = LoggerFactory.getLogger(HeldLock.class);

  final LockKey key;
  final String database;
  final long token;

  /** Serialises use of the lock's session: the keep-alive never runs during the release. */
  final ReentrantLock session = new ReentrantLock();

  private final ReentrantLock state = new ReentrantLock();
  private final List<LockLostListener> listeners = new ArrayList<>();
  private LockLostEvent lost;
  private ScheduledFuture<?> keepAlive;
  private boolean released;

  HeldLock(LockKey key, String database, long token) {
    this.key = key;
    this.database = database;
    this.token = token;
  }

  /** True once the lock was found lost; subclasses also look at their own evidence (leases). */
  boolean isLost() {
    state.lock();
    try {
      return lost != null;
    } finally {
      state.unlock();
    }
  }

  LockLostEvent lostEvent() {
    state.lock();
    try {
      return lost;
    } finally {
      state.unlock();
    }
  }

  void addListener(LockLostListener listener) {
    LockLostEvent already;
    state.lock();
    try {
      already = lost;
      if (already == null) {
        listeners.add(listener);
      }
    } finally {
      state.unlock();
    }
    if (already != null) {
      notify(listener, already);
    }
  }

  /** Records the loss once and tells every listener; later calls do nothing. */
  void markLost(String reason, Throwable cause) {
    List<LockLostListener> toTell;
    LockLostEvent event = new LockLostEvent(key.name(), database, token, reason, cause);
    state.lock();
    try {
      if (lost != null) {
        return;
      }
      lost = event;
      toTell = new ArrayList<>(listeners);
      listeners.clear();
      if (keepAlive != null) {
        keepAlive.cancel(false);
      }
    } finally {
      state.unlock();
    }
    LOG.warn(
        "lock {} on database '{}' (fencing token {}) was lost: {}", key, database, token, reason);
    for (LockLostListener listener : toTell) {
      notify(listener, event);
    }
  }

  void keepAlive(ScheduledFuture<?> future) {
    state.lock();
    try {
      if (lost != null || released) {
        future.cancel(false);
      } else {
        keepAlive = future;
      }
    } finally {
      state.unlock();
    }
  }

  /**
   * Stops the keep-alive: from now on the lock is being released on purpose. A loss the release
   * itself discovers is still reported through {@link #markLost}.
   */
  void releasing() {
    state.lock();
    try {
      released = true;
      if (keepAlive != null) {
        keepAlive.cancel(false);
      }
    } finally {
      state.unlock();
    }
  }

  boolean isReleased() {
    state.lock();
    try {
      return released;
    } finally {
      state.unlock();
    }
  }

  private void notify(LockLostListener listener, LockLostEvent event) {
    try {
      listener.lockLost(event);
    } catch (RuntimeException e) {
      LOG.warn("a lock-lost listener for {} failed", key, e);
    }
  }
}
