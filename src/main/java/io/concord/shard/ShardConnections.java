package io.concord.shard;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;

/** Opens a connection to a shard, for tools that read shards directly (row counts for plans). */
@FunctionalInterface
public interface ShardConnections {
  Connection open(Shard shard) throws SQLException;

  /** Through each shard's {@link ConnectionSettings} from the topology file (DriverManager). */
  static ShardConnections fromSettings() {
    return shard -> {
      ConnectionSettings settings = shard.connection();
      if (settings == null) {
        throw new SQLException(
            "shard '"
                + shard.name()
                + "' has no connection settings in the topology; cannot read its rows");
      }
      return DriverManager.getConnection(settings.url(), settings.user(), settings.password());
    };
  }

  /** Through the given DataSources, by shard name. */
  static ShardConnections of(Map<String, ? extends DataSource> dataSources) {
    return shard -> {
      DataSource dataSource = dataSources.get(shard.name());
      if (dataSource == null) {
        throw new SQLException("no DataSource for shard '" + shard.name() + "'");
      }
      return dataSource.getConnection();
    };
  }
}
