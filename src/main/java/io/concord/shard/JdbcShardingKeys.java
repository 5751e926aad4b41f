package io.concord.shard;

import java.sql.Connection;
import java.sql.ConnectionBuilder;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.ShardingKey;
import java.sql.ShardingKeyBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The JDBC 4.3 sharding API ({@code createShardingKeyBuilder()}, {@code
 * createConnectionBuilder().shardingKey(...)}) on top of {@link ShardedDataSource#connectionFor}.
 */
final class JdbcShardingKeys {
  private JdbcShardingKeys() {}

  /** A JDBC ShardingKey: one sub-key routes as itself, several as a {@link CompositeKey}. */
  record RoutingKey(Object key) implements ShardingKey {}

  static final class KeyBuilder implements ShardingKeyBuilder {
    private final List<Object> subkeys = new ArrayList<>();

    @Override
    public ShardingKeyBuilder subkey(Object subkey, SQLType subkeyType) {
      ShardKeyHasher.typeOf(subkey); // refuses unsupported values at once, with their type
      subkeys.add(subkey);
      return this;
    }

    @Override
    public ShardingKey build() throws SQLException {
      if (subkeys.isEmpty()) {
        throw new ShardKeyRequiredException("a sharding key needs at least one subkey");
      }
      return new RoutingKey(
          subkeys.size() == 1 ? subkeys.get(0) : CompositeKey.of(subkeys.toArray()));
    }
  }

  static final class RoutedConnectionBuilder implements ConnectionBuilder {
    private final ShardedDataSource dataSource;
    private ShardingKey key;
    private boolean credentials;
    private boolean superKey;

    RoutedConnectionBuilder(ShardedDataSource dataSource) {
      this.dataSource = dataSource;
    }

    @Override
    public ConnectionBuilder user(String username) {
      credentials |= username != null;
      return this;
    }

    @Override
    public ConnectionBuilder password(String password) {
      credentials |= password != null;
      return this;
    }

    @Override
    public ConnectionBuilder shardingKey(ShardingKey shardingKey) {
      this.key = shardingKey;
      return this;
    }

    @Override
    public ConnectionBuilder superShardingKey(ShardingKey superShardingKey) {
      superKey |= superShardingKey != null;
      return this;
    }

    @Override
    public Connection build() throws SQLException {
      if (credentials) {
        throw new SQLFeatureNotSupportedException(
            "credentials belong to each shard's DataSource; a ShardedDataSource cannot override"
                + " them per connection");
      }
      if (superKey) {
        throw new SQLFeatureNotSupportedException(
            "Concord routes by one sharding key; super sharding keys are not supported");
      }
      if (key == null) {
        throw new ShardKeyRequiredException(
            "createConnectionBuilder() needs shardingKey(...): Concord does not guess a shard");
      }
      if (!(key instanceof RoutingKey)) {
        throw new SQLException(
            "sharding key "
                + key.getClass().getName()
                + " was not made by this DataSource's createShardingKeyBuilder()");
      }
      return dataSource.connectionFor(((RoutingKey) key).key());
    }
  }
}
