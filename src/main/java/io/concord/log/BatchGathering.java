package io.concord.log;

/**
 * The group-commit gathering policy of the writer: how many committers a forced batch should wait
 * for, and for how long. The expected count is the largest batch among the last few, so batches
 * that alternate between 1 and n-1 records (the committers one force released race the writer's
 * next force) converge to batches of n; a lone committer (every recent batch of 1) never waits.
 *
 * <p>The wait is capped, and a fraction of the last force, so it costs a fraction of the force it
 * saves. The fraction depends on how many committers there are per core. With few (at most {@link
 * #COMMITTERS_PER_CORE} per core) the CPU is mostly idle while a batch is forced, the released
 * committers all come back within half a force, and waiting for them turns batches of n-1 into
 * batches of n (measured: +25% at 4 threads on 2 cores). With more, they compete for the CPU:
 * batches settle into two cohorts, one forced while the other computes, and a long wait would merge
 * them and leave the CPU idle during the force (measured: -12% at 16 threads) — so the wait stays
 * at a quarter of a force. Used by the writer thread only; not thread-safe.
 */
final class BatchGathering {

  /** Committers per core up to which a batch waits half a force rather than a quarter. */
  static final int COMMITTERS_PER_CORE = 4;

  private final int[] recent;
  private final long maxGatherNanos;
  private final int processors;
  private int next;

  BatchGathering(int history, long maxGatherNanos, int processors) {
    this.recent = new int[history];
    this.maxGatherNanos = maxGatherNanos;
    this.processors = Math.max(1, processors);
  }

  /** Records the number of awaited (forced) records of a batch about to be written. */
  void record(int waiters) {
    recent[next] = waiters;
    next = (next + 1) % recent.length;
  }

  /** How many awaited records a forced batch should hold before it is written. */
  int expectedWaiters() {
    int max = 1;
    for (int w : recent) {
      max = Math.max(max, w);
    }
    return max;
  }

  /** How long to wait for them, given how long the last force took. */
  long gatherNanos(long lastForceNanos) {
    long fraction =
        expectedWaiters() <= COMMITTERS_PER_CORE * processors
            ? lastForceNanos / 2
            : lastForceNanos / 4;
    return Math.max(0, Math.min(maxGatherNanos, fraction));
  }
}
