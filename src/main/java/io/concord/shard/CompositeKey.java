package io.concord.shard;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A shard key made of several values, for tables sharded by more than one column (for example
 * {@code (tenant_id, region)}). Its order matters: {@code of(1, "a")} and {@code of("a", 1)} are
 * different keys. Each part must itself be a supported, non-composite key.
 */
public final class CompositeKey {
  private final Object[] parts;

  private CompositeKey(Object[] parts) {
    this.parts = parts;
  }

  /**
   * A composite of at least two parts. Byte arrays are copied, so later changes to the caller's
   * array do not change where the key routes.
   */
  public static CompositeKey of(Object... parts) {
    if (parts == null || parts.length < 2) {
      throw new UnsupportedShardKeyException(
          "a composite shard key needs at least two parts; route a single value directly");
    }
    Object[] copy = new Object[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Object part = parts[i];
      if (part instanceof CompositeKey) {
        throw new UnsupportedShardKeyException(
            "part " + i + " of a composite shard key is itself composite; flatten it");
      }
      // Fails early, with the part's position, for null and unsupported types.
      try {
        ShardKeyHasher.typeOf(part);
      } catch (UnsupportedShardKeyException e) {
        throw new UnsupportedShardKeyException(
            "part " + i + " of a composite shard key: " + e.getMessage());
      }
      copy[i] = part instanceof byte[] ? ((byte[]) part).clone() : part;
    }
    return new CompositeKey(copy);
  }

  /** The parts, in order (byte arrays are copies). */
  public List<Object> parts() {
    return Arrays.stream(parts)
        .map(p -> p instanceof byte[] ? ((byte[]) p).clone() : p)
        .collect(Collectors.toUnmodifiableList());
  }

  int size() {
    return parts.length;
  }

  Object part(int index) {
    return parts[index];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompositeKey && Arrays.deepEquals(parts, ((CompositeKey) o).parts);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(parts);
  }

  @Override
  public String toString() {
    return Arrays.stream(parts)
        .map(p -> p instanceof byte[] ? "0x" + ShardKeyHasher.hex((byte[]) p) : String.valueOf(p))
        .collect(Collectors.joining(", ", "CompositeKey(", ")"));
  }
}
