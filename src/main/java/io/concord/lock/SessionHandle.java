package io.concord.lock;

import java.util.concurrent.atomic.AtomicBoolean;

/** One reentrant hold of a session lock; see {@link LockHandle}. */
final class SessionHandle implements LockHandle {
  private final DatabaseLocks locks;
  private final LockSlot slot;
  private final HeldLock held;
  private final AtomicBoolean closed = new AtomicBoolean();

  SessionHandle(DatabaseLocks locks, LockSlot slot, HeldLock held) {
    this.locks = locks;
    this.slot = slot;
    this.held = held;
  }

  @Override
  public String name() {
    return slot.key.name();
  }

  @Override
  public long fencingToken() {
    return held.token;
  }

  @Override
  public boolean isHeld() {
    return !closed.get() && !held.isLost();
  }

  @Override
  public boolean isLost() {
    return held.isLost();
  }

  @Override
  public void onLost(LockLostListener listener) {
    held.addListener(listener);
  }

  boolean isClosed() {
    return closed.get();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    locks.release(slot, this, held);
    if (held.isLost()) {
      LockLostEvent event = held.lostEvent();
      throw new LockLostException(
          name(),
          "lock '"
              + name()
              + "' on database '"
              + held.database
              + "' (fencing token "
              + held.token
              + ") was lost while held: "
              + (event == null ? "unknown reason" : event.reason())
              + ". The work done under it after the loss was not protected.",
          event == null ? null : event.cause());
    }
  }

  @Override
  public String toString() {
    return "LockHandle[" + name() + ", token " + held.token + (isHeld() ? ", held]" : "]");
  }
}
