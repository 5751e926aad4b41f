package io.concord.lock;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process side of one lock name on one database: which owner (a thread, or a JTA
 * transaction) has it, how many reentrant holds that owner has, and the database-side {@link
 * HeldLock}. Only the owner talks to the database, so the other threads of this process wait here
 * instead of polling the server, and a reentrant hold never touches the server at all.
 */
final class LockSlot {
  final LockKey key;
  final ReentrantLock mutex = new ReentrantLock();
  final Condition free = mutex.newCondition();

  /**
   * Guarded by {@link #mutex}: the owner (a thread, or a JTA transaction key compared with equals),
   * or null when nobody in this process has or wants it.
   */
  Object owner;

  /** Guarded by {@link #mutex}: the owner's open handles, newest first (its reentrant holds). */
  final ArrayDeque<SessionHandle> handles = new ArrayDeque<>();

  /**
   * Guarded by {@link #mutex}: the database-side lock while the owner has open handles; null while
   * it is being acquired or released (the owner stays set then, so everyone else waits).
   */
  HeldLock held;

  /** Guarded by the slot map's compute: threads waiting, acquiring or holding an open handle. */
  int references;

  LockSlot(LockKey key) {
    this.key = key;
  }
}
