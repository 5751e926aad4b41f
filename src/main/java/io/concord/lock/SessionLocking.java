package io.concord.lock;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How one database holds session-scoped locks, on connections of a small HikariCP pool owned by
 * Concord. A connection that may hold a lock is never handed back to the pool: after any doubt (an
 * error, an unlock that found nothing) it is evicted, which ends its session and so releases
 * whatever it held.
 */
abstract class SessionLocking implements AutoCloseable {
  private static final Executor DIRECT = Runnable::run;

  final LockDatabase database;
  final HikariDataSource pool;
  private final ReentrantLock schemaLock = new ReentrantLock();
  private volatile boolean schemaReady;
  private volatile boolean networkTimeoutSupported = true;

  SessionLocking(LockDatabase database) {
    this.database = database;
    HikariConfig config = new HikariConfig();
    config.setPoolName("concord-lock-" + database.name());
    if (database.jdbcUrl() != null) {
      config.setJdbcUrl(database.jdbcUrl());
      config.setUsername(database.user());
      config.setPassword(database.password());
    } else {
      config.setDataSource(database.dataSource());
    }
    config.setMaximumPoolSize(database.maxConnections());
    config.setMinimumIdle(Math.min(1, database.maxConnections()));
    config.setConnectionTimeout(Math.max(250, database.connectionTimeout().toMillis()));
    config.setAutoCommit(true);
    // Do not fail construction when the database is down: every acquire reports it instead.
    config.setInitializationFailTimeout(-1);
    String init = connectionInitSql();
    if (init != null) {
      config.setConnectionInitSql(init);
    }
    this.pool = new HikariDataSource(config);
  }

  /** Statements run once on every new lock connection, or null. */
  abstract String connectionInitSql();

  /**
   * Takes the lock, polling until {@code deadline}; returns null when the deadline passed first.
   * The returned lock's fencing counter is already incremented and committed.
   */
  abstract HeldLock acquire(LockKey key, Deadline deadline, String holder)
      throws SQLException, InterruptedException;

  /** Checks a held lock is still held; marks it lost when it is not. Runs on the keep-alive. */
  abstract void check(HeldLock lock);

  /** Releases a held lock; says whether it was still held up to the release. */
  abstract ReleaseOutcome release(HeldLock lock);

  /** Who holds the lock according to the database, or null when it cannot tell. */
  abstract String describeHolder(LockKey key);

  /** The database's own session-scoped locks (not leases) die with their connection. */
  boolean checksBySession() {
    return true;
  }

  Connection borrow() throws SQLException {
    ensureSchema();
    Connection connection = pool.getConnection();
    if (!networkTimeoutSupported) {
      return connection;
    }
    try {
      connection.setNetworkTimeout(DIRECT, (int) database.networkTimeout().toMillis());
    } catch (SQLFeatureNotSupportedException | UnsupportedOperationException e) {
      networkTimeoutSupported = false; // H2 embedded has no socket to time out
    } catch (SQLException | RuntimeException e) {
      evict(connection);
      throw e;
    }
    return connection;
  }

  /** Closes the physical connection: its session ends and the server drops its locks. */
  void evict(Connection connection) {
    try {
      pool.evictConnection(connection);
    } catch (RuntimeException e) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // already gone
      }
    }
  }

  void giveBack(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      evict(connection);
    }
  }

  void ensureSchema() throws SQLException {
    if (schemaReady || !database.createSchema()) {
      return;
    }
    schemaLock.lock();
    try {
      if (!schemaReady) {
        try (Connection connection = pool.getConnection()) {
          LockSchema.create(connection, database.dialect(), database.lockTable());
        }
        schemaReady = true;
      }
    } finally {
      schemaLock.unlock();
    }
  }

  /** "last granted to X with token N at T" from the lock table, or null. */
  String lastGrant(Connection connection, LockKey key) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select holder, fence, acquired_at from "
                + database.lockTable()
                + " where lock_key = ?")) {
      ps.setLong(1, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getString(1) != null) {
          return "last granted to "
              + rs.getString(1)
              + " with fencing token "
              + rs.getLong(2)
              + " at "
              + rs.getString(3);
        }
      }
    }
    return null;
  }

  static String join(String first, String second) {
    if (first == null) {
      return second;
    }
    return second == null ? first : first + "; " + second;
  }

  @Override
  public void close() {
    pool.close();
  }
}
