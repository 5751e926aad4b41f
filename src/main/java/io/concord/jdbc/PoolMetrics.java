package io.concord.jdbc;

import java.time.Duration;

/**
 * A snapshot of one pool's gauges and counters.
 *
 * @param poolName the pool's resource name
 * @param active connections handed out (outside a transaction) or pinned to a transaction
 * @param idle connections ready to be borrowed
 * @param pending threads waiting for a connection right now
 * @param total physical connections open (active + idle + being opened)
 * @param maxSize the configured maximum
 * @param acquisitions successful borrows since the pool started
 * @param acquisitionNanosTotal time spent in those borrows, summed
 * @param acquisitionNanosMax the longest single borrow
 * @param timeouts borrows that failed with {@link PoolExhaustedException}
 * @param created physical connections opened
 * @param evicted physical connections closed because they were broken, failed validation, idle too
 *     long or past their lifetime
 * @param leaksDetected borrows that were held longer than the leak-detection threshold
 */
public record PoolMetrics(
    String poolName,
    int active,
    int idle,
    int pending,
    int total,
    int maxSize,
    long acquisitions,
    long acquisitionNanosTotal,
    long acquisitionNanosMax,
    long timeouts,
    long created,
    long evicted,
    long leaksDetected) {

  /** The mean time a successful borrow took, zero before the first one. */
  public Duration meanAcquisitionTime() {
    return acquisitions == 0
        ? Duration.ZERO
        : Duration.ofNanos(acquisitionNanosTotal / acquisitions);
  }
}
