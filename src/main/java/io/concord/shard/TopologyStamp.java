package io.concord.shard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The one-row table in every shard that records which topology the shard belongs to, so nodes with
 * different topologies (or a DataSource wired to the wrong database) are caught.
 */
final class TopologyStamp {
  private static final String TABLE = ShardedDataSource.STAMP_TABLE;

  private TopologyStamp() {}

  static void publish(Connection connection, String shard, Topology topology) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "create table if not exists "
              + TABLE
              + " (id int primary key, shard_name varchar(64) not null,"
              + " topology_version bigint not null, fingerprint varchar(64) not null)");
    }
    Recorded recorded = read(connection);
    if (recorded != null && recorded.version > topology.version()) {
      throw new TopologyMismatchException(
          "shard '"
              + shard
              + "' already records topology version "
              + recorded.version
              + "; refusing to overwrite it with older version "
              + topology.version());
    }
    boolean autoCommit = connection.getAutoCommit();
    try (PreparedStatement delete = connection.prepareStatement("delete from " + TABLE);
        PreparedStatement insert =
            connection.prepareStatement(
                "insert into "
                    + TABLE
                    + " (id, shard_name, topology_version, fingerprint) values (1, ?, ?, ?)")) {
      connection.setAutoCommit(false);
      delete.executeUpdate();
      insert.setString(1, shard);
      insert.setLong(2, topology.version());
      insert.setString(3, topology.fingerprint());
      insert.executeUpdate();
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static void verify(Connection connection, String shard, Topology topology) throws SQLException {
    Recorded recorded;
    try {
      recorded = read(connection);
    } catch (SQLException e) {
      throw new TopologyMismatchException(
          "shard '"
              + shard
              + "' has no readable "
              + TABLE
              + " table ("
              + e.getMessage()
              + "); run publishTopology() once with the current topology");
    }
    if (recorded == null) {
      throw new TopologyMismatchException(
          "shard '" + shard + "' records no topology; run publishTopology() once");
    }
    if (!recorded.shard.equals(shard)) {
      throw new TopologyMismatchException(
          "the DataSource given for shard '"
              + shard
              + "' reaches the database of shard '"
              + recorded.shard
              + "'; check the DataSource wiring");
    }
    if (recorded.version != topology.version()) {
      throw new TopologyMismatchException(
          "topology version mismatch: this node routes with version "
              + topology.version()
              + " but shard '"
              + shard
              + "' records version "
              + recorded.version
              + "; every node must load the current topology before routing");
    }
    if (!recorded.fingerprint.equals(topology.fingerprint())) {
      throw new TopologyMismatchException(
          "topology version "
              + topology.version()
              + " of this node (fingerprint "
              + topology.fingerprint()
              + ") differs from the one shard '"
              + shard
              + "' records (fingerprint "
              + recorded.fingerprint
              + "): two different slot maps carry the same version");
    }
  }

  private record Recorded(String shard, long version, String fingerprint) {}

  private static Recorded read(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "select shard_name, topology_version, fingerprint from "
                    + TABLE
                    + " where id = 1")) {
      return rs.next() ? new Recorded(rs.getString(1), rs.getLong(2), rs.getString(3)) : null;
    }
  }
}
