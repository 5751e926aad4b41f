package io.concord.tm;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one scheduler of all transaction timeouts: a single daemon thread that, every interval, walks
 * the manager's in-flight set and expires the transactions whose deadline passed. Beginning a
 * transaction costs nothing here (no timer task, no thread): the deadline is a field of the
 * transaction and the in-flight set exists anyway (recovery asks it). The walk is linear in the
 * number of transactions in flight, which is bounded by the application's concurrency.
 */
final class TimeoutReaper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TimeoutReaper.class);

  private final Collection<ConcordTransaction> inFlight;
  private final ScheduledExecutorService executor;

  TimeoutReaper(Collection<ConcordTransaction> inFlight, Duration interval, String nodeId) {
    this.inFlight = inFlight;
    ThreadFactory threads =
        runnable -> {
          Thread thread = new Thread(runnable, "concord-timeout-reaper-" + nodeId);
          thread.setDaemon(true);
          return thread;
        };
    this.executor = Executors.newSingleThreadScheduledExecutor(threads);
    long nanos = interval.toNanos();
    executor.scheduleWithFixedDelay(this::scan, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** One pass over the in-flight transactions; never throws (that would stop the schedule). */
  void scan() {
    try {
      long now = System.nanoTime();
      for (ConcordTransaction tx : inFlight) {
        if (tx.hasTimeout() && !tx.isTimedOut() && now - tx.deadlineNanos >= 0) {
          tx.expire();
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("timeout reaper pass failed; trying again on the next one", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
