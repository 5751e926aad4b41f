package io.concord.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import javax.transaction.xa.Xid;

/**
 * The commit markers of a last resource: one row per Xid whose local transaction committed, written
 * by that same local transaction, so that the row exists exactly when the last resource's work
 * does. Xid parts are stored as hex text so that one DDL fits H2, PostgreSQL and MariaDB.
 */
final class MarkerTable {
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

  private final String table;
  private final String insert;
  private final String select;
  private final String delete;

  MarkerTable(String table) {
    this.table = table;
    this.insert =
        "insert into " + table + " (gtrid, bqual, format_id, created_millis) values (?, ?, ?, ?)";
    this.select = "select format_id, gtrid, bqual from " + table;
    this.delete = "delete from " + table + " where gtrid = ? and bqual = ?";
  }

  static String validateName(String where, String table) {
    if (table == null || !NAME.matcher(table).matches() || table.length() > 128) {
      throw new IllegalArgumentException(
          where
              + "markerTable '"
              + table
              + "' must be a plain SQL identifier (letters, digits, '_', optionally schema.table)");
    }
    return table;
  }

  String name() {
    return table;
  }

  /** The DDL {@code createMarkerTable(true)} runs; also documented for DBAs in docs/jdbc.md. */
  String createIfMissing() {
    return "create table if not exists "
        + table
        + " (gtrid varchar(128) not null, bqual varchar(128) not null, format_id integer not null,"
        + " created_millis bigint not null, primary key (gtrid, bqual))";
  }

  void create(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(createIfMissing());
    }
  }

  /** Fails unless the table exists with the expected columns; reads no rows. */
  void check(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(select + " where 1 = 0")) {
      rows.next();
    }
  }

  void insert(Connection connection, Xid xid) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(insert)) {
      statement.setString(1, RecordedXid.hex(xid.getGlobalTransactionId()));
      statement.setString(2, RecordedXid.hex(xid.getBranchQualifier()));
      statement.setInt(3, xid.getFormatId());
      statement.setLong(4, System.currentTimeMillis());
      statement.executeUpdate();
    }
  }

  List<Xid> readAll(Connection connection) throws SQLException {
    List<Xid> xids = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(select)) {
      while (rows.next()) {
        xids.add(RecordedXid.fromHex(rows.getInt(1), rows.getString(2), rows.getString(3)));
      }
    }
    return xids;
  }

  /** Deletes the markers of these Xids; returns how many rows went. */
  int delete(Connection connection, Collection<? extends Xid> xids) throws SQLException {
    if (xids.isEmpty()) {
      return 0;
    }
    int deleted = 0;
    try (PreparedStatement statement = connection.prepareStatement(delete)) {
      for (Xid xid : xids) {
        statement.setString(1, RecordedXid.hex(xid.getGlobalTransactionId()));
        statement.setString(2, RecordedXid.hex(xid.getBranchQualifier()));
        statement.addBatch();
      }
      for (int count : statement.executeBatch()) {
        deleted += Math.max(count, 0);
      }
    }
    return deleted;
  }
}
