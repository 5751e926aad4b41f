package io.concord.lock;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sleeps between polls of a busy lock: doubling from the minimum to the maximum, with jitter so
 * that waiters in different processes do not poll in step. Polling (instead of a blocking {@code
 * pg_advisory_lock}) keeps a waiter from holding a snapshot open, which would deadlock with {@code
 * CREATE INDEX CONCURRENTLY} on the holder's side.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private long nextNanos;

  Backoff(Duration min, Duration max) {
    this.minNanos = Math.max(1, min.toNanos());
    this.maxNanos = Math.max(minNanos, max.toNanos());
    this.nextNanos = minNanos;
  }

  /** Sleeps for the next interval, but never past the deadline. */
  void sleep(Deadline deadline) throws InterruptedException {
    long base = nextNanos;
    nextNanos = Math.min(maxNanos, nextNanos * 2);
    long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    long nanos = Math.min(jittered, deadline.remainingNanos());
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } else if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }
}
