package io.concord.shard;

/**
 * The kinds of shard key Concord routes, each with the XXH3 seed that separates its hashes from the
 * other kinds' (so the long {@code 0x41} and the one-byte array {@code {0x41}} do not collide by
 * construction). The seeds are part of the routing contract: changing one moves every key of that
 * kind.
 */
public enum KeyType {
  /** {@code byte}, {@code short}, {@code int}, {@code long} and integral BigInteger/BigDecimal. */
  INTEGER(1, 1),
  /** {@link String}: its UTF-16 code units, little-endian. */
  STRING(2, 2),
  /** {@link java.util.UUID}: the 16 bytes of RFC 9562 order (most significant first). */
  UUID(3, 3),
  /** {@code byte[]}: the bytes as they are. */
  BYTES(4, 4),
  /** {@link CompositeKey}: its parts, each as type code, length and bytes. */
  COMPOSITE(5, 5);

  private final long seed;
  private final int code;

  KeyType(long seed, int code) {
    this.seed = seed;
    this.code = code;
  }

  /** The XXH3-64 seed used for keys of this kind. */
  public long seed() {
    return seed;
  }

  /** The one-byte code that marks a part of this kind inside a composite key's bytes. */
  int code() {
    return code;
  }
}
