package io.concord.log;

import java.util.Arrays;
import java.util.Objects;

/**
 * A heuristic outcome reported by one branch. Kept in the log until an operator forgets it with
 * {@link TransactionLog#appendForget(byte[])}. A {@code null} detail is stored as the empty string.
 * Equality is by value.
 */
public record HeuristicRecord(
    byte[] gtrid, BranchRecord branch, HeuristicOutcome outcome, long timeMillis, String detail) {

  /**
   * @throws IllegalArgumentException when gtrid is not 1..64 bytes or detail is longer than 16 KiB
   *     of UTF-8
   */
  public HeuristicRecord {
    gtrid = RecordLimits.checkGtrid(gtrid);
    Objects.requireNonNull(branch, "branch is null");
    Objects.requireNonNull(outcome, "outcome is null");
    detail = RecordLimits.checkDetail(detail);
  }

  /** A copy: the record is immutable. */
  @Override
  public byte[] gtrid() {
    return gtrid.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HeuristicRecord that
        && Arrays.equals(gtrid, that.gtrid)
        && branch.equals(that.branch)
        && outcome == that.outcome
        && timeMillis == that.timeMillis
        && detail.equals(that.detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(gtrid), branch, outcome, timeMillis, detail);
  }

  @Override
  public String toString() {
    return "HeuristicRecord[gtrid="
        + RecordLimits.hex(gtrid)
        + ", branch="
        + branch
        + ", outcome="
        + outcome
        + ", timeMillis="
        + timeMillis
        + ", detail="
        + detail
        + "]";
  }
}
