package io.concord.shard;

import java.util.Objects;

/**
 * A table whose rows are spread over the shards by the value of one column.
 *
 * @param name the table name as written in SQL (optionally schema-qualified)
 * @param shardKeyColumn the column whose value routes a row
 * @param keyType how values read back from the column are interpreted when rows are counted per
 *     slot (for example {@link KeyType#UUID} when a driver returns UUIDs as strings); null means
 *     "as the driver returns them"
 */
public record ShardedTable(String name, String shardKeyColumn, KeyType keyType) {
  public ShardedTable {
    SqlNames.requireIdentifier(name, "table name");
    SqlNames.requireIdentifier(shardKeyColumn, "shard key column of table " + name);
    if (keyType == KeyType.COMPOSITE) {
      throw new IllegalArgumentException(
          "table " + name + ": a single shard-key column cannot hold a composite key");
    }
  }

  /** A table routed by a column, with values taken as the driver returns them. */
  public static ShardedTable of(String name, String shardKeyColumn) {
    return new ShardedTable(name, shardKeyColumn, null);
  }

  /** The key a value read from the shard-key column stands for. */
  Object keyOf(Object columnValue) {
    if (keyType == KeyType.UUID && columnValue instanceof String) {
      return java.util.UUID.fromString((String) columnValue);
    }
    if (keyType == KeyType.INTEGER && columnValue instanceof String) {
      return Long.valueOf((String) columnValue);
    }
    if (keyType == KeyType.STRING && !(columnValue instanceof String)) {
      return Objects.toString(columnValue, null);
    }
    return columnValue;
  }
}
