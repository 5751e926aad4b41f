package io.concord.lock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The storage side of fencing: rejects writes whose fencing token is older than one already seen.
 *
 * <p>Call {@link #admit} inside the transaction that does the protected writes, on the database
 * that holds them. It runs {@code UPDATE concord_fence SET token = ? WHERE resource = ? AND token
 * <= ?}: the row lock it takes serialises concurrent writers until commit, and a writer whose token
 * is below the highest admitted one matches no row and gets {@link StaleFencingTokenException}
 * (roll the transaction back). Equal tokens pass, so one holder may write many times.
 *
 * <p>For a fence column on the protected rows themselves, write {@code UPDATE t SET …, fence = ?
 * WHERE id = ? AND fence < ?} (or {@code <=} for repeated writes of one holder) and hand the update
 * count to {@link #requireApplied}.
 */
public final class FenceGuard {
  private static final Pattern TABLE_NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

  private final String table;

  /** A guard on the {@code concord_fence} table (see sql/lock/). */
  public FenceGuard() {
    this("concord_fence");
  }

  /** A guard on a table with columns {@code resource varchar primary key, token bigint}. */
  public FenceGuard(String table) {
    if (table == null || !TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "fence table name '" + table + "' is not a plain [schema.]identifier");
    }
    this.table = table;
  }

  /**
   * Admits a write to {@code resource} with {@code token} in the connection's current transaction.
   *
   * @throws StaleFencingTokenException if a higher token was admitted before
   */
  public void admit(Connection connection, String resource, long token) throws SQLException {
    if (update(connection, resource, token) == 1) {
      return;
    }
    if (currentToken(connection, resource) == null) {
      if (insertIfAbsent(connection, resource, token) == 1) {
        return;
      }
      // Another writer inserted the row first; it now decides.
      if (update(connection, resource, token) == 1) {
        return;
      }
    }
    Long newest = currentToken(connection, resource);
    throw new StaleFencingTokenException(resource, token, newest == null ? -1 : newest);
  }

  /**
   * For a conditional write written by the caller ({@code … WHERE fence < ?}): throws when it
   * matched no row, i.e. a newer holder has written.
   */
  public static void requireApplied(int updateCount, String resource, long token) {
    if (updateCount == 0) {
      throw new StaleFencingTokenException(resource, token, -1);
    }
  }

  private int update(Connection connection, String resource, long token) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "update " + table + " set token = ? where resource = ? and token <= ?")) {
      ps.setLong(1, token);
      ps.setString(2, resource);
      ps.setLong(3, token);
      return ps.executeUpdate();
    }
  }

  /** Inserts the first row without an error on a race (an error would abort a PG transaction). */
  private int insertIfAbsent(Connection connection, String resource, long token)
      throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    String sql;
    if (product.contains("postgres")) {
      sql =
          "insert into "
              + table
              + " (resource, token) values (?, ?) on conflict (resource) do nothing";
    } else if (product.contains("mariadb") || product.contains("mysql")) {
      sql = "insert ignore into " + table + " (resource, token) values (?, ?)";
    } else {
      sql = "insert into " + table + " (resource, token) values (?, ?)";
    }
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, resource);
      ps.setLong(2, token);
      return ps.executeUpdate();
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
        return 0; // H2: a duplicate key fails only this statement
      }
      throw e;
    }
  }

  private Long currentToken(Connection connection, String resource) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("select token from " + table + " where resource = ?")) {
      ps.setString(1, resource);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }
}
