package io.concord.shard;

/** A value that cannot be a shard key: null, or of a type Concord does not hash. */
public final class UnsupportedShardKeyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UnsupportedShardKeyException(String message) {
    super(message);
  }

  static UnsupportedShardKeyException forValue(Object key) {
    if (key == null) {
      return new UnsupportedShardKeyException("a shard key must not be null");
    }
    return new UnsupportedShardKeyException(
        "unsupported shard key type "
            + key.getClass().getName()
            + " (value "
            + abbreviate(String.valueOf(key))
            + "); supported: long, int, short, byte, integral BigInteger/BigDecimal within the"
            + " long range, String, UUID, byte[], and CompositeKey of those");
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
