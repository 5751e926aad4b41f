package io.concord.log;

import java.util.Arrays;

/**
 * One prepared branch of a transaction: the stable name of its resource (how recovery finds the
 * resource again) and the branch qualifier of its Xid. Equality is by value.
 */
public record BranchRecord(String resourceName, byte[] bqual) {

  /**
   * @throws IllegalArgumentException when the name is empty or longer than 512 bytes of UTF-8, or
   *     bqual is longer than 64 bytes
   */
  public BranchRecord {
    resourceName = RecordLimits.checkResourceName(resourceName);
    bqual = RecordLimits.checkBqual(bqual);
  }

  /** A copy: the record is immutable. */
  @Override
  public byte[] bqual() {
    return bqual.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BranchRecord that
        && resourceName.equals(that.resourceName)
        && Arrays.equals(bqual, that.bqual);
  }

  @Override
  public int hashCode() {
    return 31 * resourceName.hashCode() + Arrays.hashCode(bqual);
  }

  @Override
  public String toString() {
    return "BranchRecord[resourceName=" + resourceName + ", bqual=" + RecordLimits.hex(bqual) + "]";
  }
}
