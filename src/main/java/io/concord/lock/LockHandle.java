package io.concord.lock;

/**
 * One hold of a session-scoped lock, released by {@link #close()} (use try-with-resources).
 *
 * <p>Holds are reentrant per thread: a thread that already holds the lock gets another handle at
 * once, with the same fencing token; the lock is released in the database when the last of them is
 * closed. Concord counts holds on the client and takes the database lock exactly once, so stacking
 * can never leave a database-side count behind.
 */
public interface LockHandle extends AutoCloseable {

  /** The name the lock was acquired under. */
  String name();

  /**
   * A number that is larger for every acquisition of this lock name than for any earlier one, even
   * across crashes (it comes from a committed counter). Pass it to storage that checks it, e.g.
   * with {@link FenceGuard}, so that writes of a holder that lost the lock are rejected.
   */
  long fencingToken();

  /** True while this handle is open and the lock has not been lost. */
  boolean isHeld();

  /** True once the lock was found lost (session died, lease ran out) before this handle closed. */
  boolean isLost();

  /**
   * Runs {@code listener} when the lock is lost while held; at once if it already is. Listeners run
   * on the detecting thread and must be quick.
   */
  void onLost(LockLostListener listener);

  /**
   * Releases this hold; the last hold releases the database lock. Idempotent.
   *
   * @throws LockLostException if the lock was lost while held: the protected work may have run
   *     without the lock, and writes fenced with {@link #fencingToken()} may have been rejected
   */
  @Override
  void close();
}
