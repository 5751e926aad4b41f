package io.concord.log;

import java.util.Arrays;
import java.util.List;

/**
 * The commit decision for a global transaction: its gtrid and every prepared branch. Once this
 * record is forced, recovery commits every branch it names. Equality is by value.
 */
public record CommitRecord(byte[] gtrid, List<BranchRecord> branches, long timeMillis) {

  /**
   * @throws IllegalArgumentException when gtrid is not 1..64 bytes or there are more than 1024
   *     branches
   */
  public CommitRecord {
    gtrid = RecordLimits.checkGtrid(gtrid);
    if (branches == null) {
      throw new NullPointerException("branches is null");
    }
    branches = List.copyOf(branches); // also rejects null elements
    if (branches.size() > RecordLimits.MAX_BRANCHES) {
      throw new IllegalArgumentException(
          "at most " + RecordLimits.MAX_BRANCHES + " branches, got " + branches.size());
    }
  }

  /** A copy: the record is immutable. */
  @Override
  public byte[] gtrid() {
    return gtrid.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CommitRecord that
        && Arrays.equals(gtrid, that.gtrid)
        && branches.equals(that.branches)
        && timeMillis == that.timeMillis;
  }

  @Override
  public int hashCode() {
    return (31 * Arrays.hashCode(gtrid) + branches.hashCode()) * 31 + Long.hashCode(timeMillis);
  }

  @Override
  public String toString() {
    return "CommitRecord[gtrid="
        + RecordLimits.hex(gtrid)
        + ", branches="
        + branches
        + ", timeMillis="
        + timeMillis
        + "]";
  }
}
