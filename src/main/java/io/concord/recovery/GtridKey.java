package io.concord.recovery;

import java.util.Arrays;
import java.util.HexFormat;

/** A gtrid as a map key, compared by content. The array is never handed out. */
final class GtridKey {
  private final byte[] bytes;
  private final int hash;

  GtridKey(byte[] bytes) {
    this.bytes = bytes.clone();
    this.hash = Arrays.hashCode(this.bytes);
  }

  static GtridKey parseHex(String hex) {
    return new GtridKey(HexFormat.of().parseHex(hex));
  }

  byte[] bytes() {
    return bytes.clone();
  }

  String hex() {
    return HexFormat.of().formatHex(bytes);
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
    return hex();
  }
}
