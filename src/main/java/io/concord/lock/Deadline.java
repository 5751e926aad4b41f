package io.concord.lock;

import java.time.Duration;

/** A point in {@link System#nanoTime()} by which a wait must end; {@link #NEVER} waits on. */
record Deadline(long startNanos, long timeoutNanos) {
  static final Deadline NEVER = new Deadline(0, Long.MAX_VALUE);

  static Deadline after(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("a lock timeout must be zero or positive, not " + timeout);
    }
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException tooLong) {
      return NEVER;
    }
    return new Deadline(System.nanoTime(), nanos);
  }

  static Deadline now() {
    return new Deadline(System.nanoTime(), 0);
  }

  boolean isNever() {
    return timeoutNanos == Long.MAX_VALUE;
  }

  long remainingNanos() {
    if (isNever()) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, timeoutNanos - (System.nanoTime() - startNanos));
  }

  boolean expired() {
    return remainingNanos() == 0;
  }

  long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
