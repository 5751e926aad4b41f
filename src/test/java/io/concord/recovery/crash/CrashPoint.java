package io.concord.recovery.crash;

/**
 * Where the child JVM dies (or pauses for a database fault). The named points fire on the first
 * matching event of an armed transaction whose branch is on the target database (any database when
 * no target is given).
 */
enum CrashPoint {
  /** {@code Runtime.halt} right after the first branch's prepare returned. */
  AFTER_FIRST_PREPARE(true),
  /** {@code Runtime.halt} right after the last branch's prepare returned (no COMMIT record yet). */
  AFTER_ALL_PREPARES(true),
  /**
   * {@code Runtime.halt} at the first phase-2 commit call, before it: the COMMIT record is forced.
   */
  AFTER_LOG_FORCE(true),
  /** {@code Runtime.halt} right after the first phase-2 commit returned. */
  AFTER_FIRST_COMMIT(true),
  /** {@code Runtime.halt} right after the last phase-2 commit returned, before the END record. */
  BEFORE_END(true),
  /**
   * {@code Runtime.halt} right after the last resource's one-phase commit returned: the last
   * resource (and its commit marker) committed, the XA branches are prepared, no COMMIT record.
   */
  AFTER_LAST_RESOURCE_COMMIT(true),
  /** The last resource commits, then its commit call throws {@code XAER_RMFAIL} (ambiguous). */
  AMBIGUOUS_LAST_RESOURCE_COMMIT(true),
  /** The last resource's commit call throws {@code XAER_RMFAIL} without committing. */
  LOST_LAST_RESOURCE_COMMIT(true),
  /** {@code Runtime.halt} from a timer at a random moment. */
  RANDOM_HALT(false),
  /** {@code kill -9} ({@code Process.destroyForcibly}) by the harness at a random moment. */
  RANDOM_KILL(false),
  /** Pause (until the harness says GO) right before the phase-2 commit of the target's branch. */
  PAUSE_BEFORE_COMMIT(true),
  /** Nothing injected: the child runs until told to stop. */
  NONE(false);

  private final boolean named;

  CrashPoint(boolean named) {
    this.named = named;
  }

  /** True for the points that fire on a protocol event (and can have a target database). */
  boolean named() {
    return named;
  }

  static final int HALT_STATUS = 77;
}
