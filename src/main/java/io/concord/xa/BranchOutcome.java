package io.concord.xa;

/**
 * What a failed XA call says about the state of one transaction branch, after classification by
 * {@link XaErrorClassification}. The table is in docs/tm.md ("XA error classification").
 */
public enum BranchOutcome {
  /** The resource manager rolled the branch back and forgot it; nothing more to send. */
  ROLLED_BACK,
  /** The branch committed (for example {@code XA_HEURCOM} answering a commit). */
  COMMITTED,
  /**
   * Phase 1 failed with an error that does not prove the branch is gone: the vote is "no" and a
   * rollback must still be sent (errors, {@code errorCode 0}, driver runtime exceptions).
   */
  FAILED,
  /** The resource manager decided to roll back a branch that was to be committed. */
  HEURISTIC_ROLLBACK,
  /** The resource manager decided to commit a branch that was to be rolled back. */
  HEURISTIC_COMMIT,
  /** Part of the branch committed and part rolled back. */
  HEURISTIC_MIXED,
  /** The resource manager cannot say what happened to the branch. */
  HEURISTIC_HAZARD,
  /**
   * Transient or ambiguous (connection loss, {@code XAER_RMFAIL}, {@code XAER_NOTA} after prepare,
   * pgjdbc's {@code XAER_RMERR} after a killed backend, {@code errorCode 0}): the branch may still
   * be prepared. The decision stands and the recovery manager finishes the branch.
   */
  UNKNOWN;

  /** True for the four heuristic outcomes. */
  public boolean isHeuristic() {
    return this == HEURISTIC_ROLLBACK
        || this == HEURISTIC_COMMIT
        || this == HEURISTIC_MIXED
        || this == HEURISTIC_HAZARD;
  }
}
