package io.concord.log;

/**
 * The group-commit gathering policy of the writer: how many committers a forced batch should wait
 * for, and for how long. The expected count is the largest batch among the last few, so batches
 * that alternate between 1 and n-1 records (the committers one force released race the writer's
 * next force) converge to batches of n; a lone committer (every recent batch of 1) never waits. The
 * wait is capped, and never longer than a quarter of the last force, so it costs a fraction of the
 * force it saves. Used by the writer thread only; not thread-safe.
 */
final class BatchGathering {
  private final int[] recent;
  private final long maxGatherNanos;
  private int next;

  BatchGathering(int history, long maxGatherNanos) {
    this.recent = new int[history];
    this.maxGatherNanos = maxGatherNanos;
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
    return Math.max(0, Math.min(maxGatherNanos, lastForceNanos / 4));
  }
}
