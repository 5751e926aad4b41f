package io.concord.shard;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;

/**
 * Turns a shard key into its canonical bytes and a stable 64-bit hash.
 *
 * <p>The hash is XXH3-64 (xxHash 0.8, whose output is frozen by its specification) of the key's
 * canonical bytes, seeded with its {@link KeyType#seed() type's seed}. XXH3 was chosen because it
 * is a specified, cross-language standard (any xxHash 0.8 implementation reproduces a Concord
 * slot), hash4j's implementation is checked against the reference, and it is the fastest of
 * hash4j's functions on the short inputs keys are. Canonical bytes:
 *
 * <ul>
 *   <li>integers of every width (and integral BigInteger/BigDecimal within the long range): the
 *       long value as 8 bytes little-endian, so {@code 42}, {@code 42L} and {@code
 *       BigDecimal("42")} route identically (a JDBC driver may hand back any of them);
 *   <li>String: the UTF-16 code units little-endian (lossless for every Java string, and hashed
 *       without copying);
 *   <li>UUID: the 16 bytes in RFC 9562 order;
 *   <li>byte[]: the bytes;
 *   <li>{@link CompositeKey}: for each part, its type code (1 byte), the length of its canonical
 *       bytes (4 bytes little-endian) and those bytes.
 * </ul>
 *
 * <p>The golden vectors under {@code src/test/resources/io/concord/shard/} pin all of this.
 */
public final class ShardKeyHasher {
  private static final Hasher64 INTEGER_HASH = Hashing.xxh3_64(KeyType.INTEGER.seed());
  private static final Hasher64 STRING_HASH = Hashing.xxh3_64(KeyType.STRING.seed());
  private static final Hasher64 UUID_HASH = Hashing.xxh3_64(KeyType.UUID.seed());
  private static final Hasher64 BYTES_HASH = Hashing.xxh3_64(KeyType.BYTES.seed());
  private static final Hasher64 COMPOSITE_HASH = Hashing.xxh3_64(KeyType.COMPOSITE.seed());

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private ShardKeyHasher() {}

  /** A key's type and canonical bytes: what is hashed. */
  public record CanonicalKey(KeyType type, byte[] bytes) {
    public CanonicalKey {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    /** XXH3-64 of the bytes with the type's seed; equal to {@link ShardKeyHasher#hash(Object)}. */
    public long hash() {
      return Hashing.xxh3_64(type.seed()).hashBytesToLong(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CanonicalKey
          && ((CanonicalKey) o).type == type
          && Arrays.equals(((CanonicalKey) o).bytes, bytes);
    }

    @Override
    public int hashCode() {
      return 31 * type.hashCode() + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return type + ":" + hex(bytes);
    }
  }

  /** The stable 64-bit hash of a key. Allocation-free for every kind but composite keys. */
  public static long hash(Object key) {
    if (key instanceof String) {
      return STRING_HASH.hashCharsToLong((String) key);
    }
    if (key instanceof Long
        || key instanceof Integer
        || key instanceof Short
        || key instanceof Byte) {
      return INTEGER_HASH.hashLongToLong(((Number) key).longValue());
    }
    if (key instanceof UUID) {
      UUID uuid = (UUID) key;
      // hash4j reads each long little-endian; reversing yields the RFC's big-endian byte order.
      return UUID_HASH.hashLongLongToLong(
          Long.reverseBytes(uuid.getMostSignificantBits()),
          Long.reverseBytes(uuid.getLeastSignificantBits()));
    }
    if (key instanceof byte[]) {
      return BYTES_HASH.hashBytesToLong((byte[]) key);
    }
    if (key instanceof CompositeKey) {
      return COMPOSITE_HASH.hashBytesToLong(compositeBytes((CompositeKey) key));
    }
    if (key instanceof BigInteger || key instanceof BigDecimal) {
      return INTEGER_HASH.hashLongToLong(integralValue((Number) key));
    }
    throw UnsupportedShardKeyException.forValue(key);
  }

  /** The key's type and canonical bytes, as documented on this class. */
  public static CanonicalKey canonical(Object key) {
    KeyType type = typeOf(key);
    return new CanonicalKey(type, canonicalBytes(type, key));
  }

  /** The kind of a supported key; throws {@link UnsupportedShardKeyException} for anything else. */
  static KeyType typeOf(Object key) {
    if (key instanceof String) {
      return KeyType.STRING;
    }
    if (key instanceof Long
        || key instanceof Integer
        || key instanceof Short
        || key instanceof Byte) {
      return KeyType.INTEGER;
    }
    if (key instanceof BigInteger || key instanceof BigDecimal) {
      integralValue((Number) key); // rejects fractions and values outside the long range
      return KeyType.INTEGER;
    }
    if (key instanceof UUID) {
      return KeyType.UUID;
    }
    if (key instanceof byte[]) {
      return KeyType.BYTES;
    }
    if (key instanceof CompositeKey) {
      return KeyType.COMPOSITE;
    }
    throw UnsupportedShardKeyException.forValue(key);
  }

  private static byte[] canonicalBytes(KeyType type, Object key) {
    switch (type) {
      case INTEGER:
        return ByteBuffer.allocate(8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(integralValue((Number) key))
            .array();
      case STRING:
        {
          String s = (String) key;
          ByteBuffer buffer = ByteBuffer.allocate(2 * s.length()).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < s.length(); i++) {
            buffer.putChar(s.charAt(i));
          }
          return buffer.array();
        }
      case UUID:
        {
          UUID uuid = (UUID) key;
          return ByteBuffer.allocate(16)
              .putLong(uuid.getMostSignificantBits())
              .putLong(uuid.getLeastSignificantBits())
              .array();
        }
      case BYTES:
        return ((byte[]) key).clone();
      case COMPOSITE:
        return compositeBytes((CompositeKey) key);
    }
    throw new AssertionError(type);
  }

  private static byte[] compositeBytes(CompositeKey key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * key.size());
    for (int i = 0; i < key.size(); i++) {
      Object part = key.part(i);
      KeyType type = typeOf(part);
      byte[] bytes = canonicalBytes(type, part);
      out.write(type.code());
      out.writeBytes(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).array());
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  private static long integralValue(Number number) {
    if (number instanceof BigInteger) {
      BigInteger value = (BigInteger) number;
      if (value.compareTo(LONG_MIN) < 0 || value.compareTo(LONG_MAX) > 0) {
        throw new UnsupportedShardKeyException(
            "shard key " + value + " is outside the long range; use its String form as the key");
      }
      return value.longValue();
    }
    if (number instanceof BigDecimal) {
      BigDecimal value = (BigDecimal) number;
      try {
        return value.longValueExact();
      } catch (ArithmeticException e) {
        throw new UnsupportedShardKeyException(
            "shard key "
                + value.toPlainString()
                + " is not an integer within the long range; use its String form as the key");
      }
    }
    return number.longValue();
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }
}
