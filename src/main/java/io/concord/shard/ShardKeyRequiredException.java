package io.concord.shard;

import java.sql.SQLException;

/**
 * A statement on a sharded table, or a plain {@code getConnection()}, came without a shard key.
 * Concord does not guess a shard: use a key, or scatter-gather over every shard explicitly.
 */
public final class ShardKeyRequiredException extends SQLException {
  private static final long serialVersionUID = 1L;

  ShardKeyRequiredException(String message) {
    super(message, "42000");
  }
}
