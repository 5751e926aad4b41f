package io.concord.lock;

/**
 * A lock held as a lease in the lock table: valid until {@link #validUntilNanos}, counted
 * conservatively from the moment the grant or renewal was <em>sent</em>, on this JVM's monotonic
 * clock.
 */
final class LeaseHeldLock extends HeldLock {
  /**
   * Unique per acquisition, so a stale holder can never renew or release a newer holder's lease.
   */
  final String owner;

  private volatile long validUntilNanos;

  LeaseHeldLock(LockKey key, String database, long token, String owner, long validUntilNanos) {
    super(key, database, token);
    this.owner = owner;
    this.validUntilNanos = validUntilNanos;
  }

  void renewedUntil(long nanos) {
    validUntilNanos = nanos;
  }

  boolean expired() {
    return System.nanoTime() - validUntilNanos > 0;
  }

  @Override
  boolean isLost() {
    if (!super.isLost() && !isReleased() && expired()) {
      markLost("its lease ran out before it could be renewed", null);
    }
    return super.isLost();
  }
}
