package io.concord.log;

import java.util.Arrays;

/** A gtrid as a map key: equality by content. Holds its array without copying (internal only). */
final class GtridKey {
  private final byte[] bytes;
  private final int hash;

  GtridKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof GtridKey that && Arrays.equals(bytes, that.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return RecordLimits.hex(bytes);
  }
}
