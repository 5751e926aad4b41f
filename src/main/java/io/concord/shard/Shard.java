package io.concord.shard;

import java.util.regex.Pattern;

/**
 * One database of a sharded set.
 *
 * @param name a stable identifier (letters, digits, {@code _ . -}, at most 64 characters); it is
 *     what the slot map refers to, so renaming a shard is a topology change
 * @param weight a positive integer; a shard receives {@code weight / total weight} of the slots
 * @param connection how tools reach the database, or null when the application supplies DataSources
 *     itself
 */
public record Shard(String name, int weight, ConnectionSettings connection) {
  /** Larger weights add no precision at any slot count Concord allows. */
  public static final int MAX_WEIGHT = 1_000_000;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public Shard {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidTopologyException(
          "shard name '" + name + "' is invalid: use 1 to 64 letters, digits, '_', '.' or '-'");
    }
    if (weight <= 0 || weight > MAX_WEIGHT) {
      throw new InvalidTopologyException(
          "shard '" + name + "' has weight " + weight + "; weights are 1.." + MAX_WEIGHT);
    }
  }

  /** A shard of weight 1 without connection settings. */
  public static Shard of(String name) {
    return new Shard(name, 1, null);
  }

  /** A shard of the given weight without connection settings. */
  public static Shard of(String name, int weight) {
    return new Shard(name, weight, null);
  }
}
