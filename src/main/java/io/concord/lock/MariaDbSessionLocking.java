package io.concord.lock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * MariaDB (and MySQL 5.7+) named locks: {@code GET_LOCK(name, timeout)} in waits of at most a
 * second (so an interrupt or the deadline is noticed) on a dedicated connection, {@code
 * RELEASE_LOCK} on that same connection. Names are {@link LockKey#mariaDbName()}: hashed to fit the
 * 64-character limit. The keep-alive asks {@code IS_USED_LOCK(name) = CONNECTION_ID()}.
 *
 * <p>Requires MariaDB 10.0.2+ / MySQL 5.7+: before those, a second {@code GET_LOCK} on a session
 * silently released the first.
 */
final class MariaDbSessionLocking extends SessionLocking {
  private static final long MAX_WAIT_SLICE_MILLIS = 1000;

  MariaDbSessionLocking(LockDatabase database) {
    super(database);
  }

  @Override
  String connectionInitSql() {
    long dead = database.deadClientTimeout().toSeconds();
    if (dead <= 0) {
      return null;
    }
    // The keep-alive runs a query at every interval, so only a vanished or frozen holder stays
    // idle this long; the server then ends its session and the lock with it.
    long floor = Math.max(3, 3 * database.keepAliveInterval().toSeconds() + 1);
    return "set session wait_timeout = " + Math.max(floor, dead);
  }

  @Override
  HeldLock acquire(LockKey key, Deadline deadline, String holder)
      throws SQLException, InterruptedException {
    Connection connection = borrow();
    boolean mayHold = false;
    try (PreparedStatement attempt =
        connection.prepareStatement("select get_lock(?, ?), connection_id()")) {
      attempt.setString(1, key.mariaDbName());
      while (true) {
        long waitMillis = Math.min(MAX_WAIT_SLICE_MILLIS, deadline.remainingNanos() / 1_000_000);
        attempt.setDouble(2, waitMillis / 1000.0);
        mayHold = true;
        Object result;
        long connectionId;
        try (ResultSet rs = attempt.executeQuery()) {
          rs.next();
          result = rs.getObject(1);
          connectionId = rs.getLong(2);
        }
        if (result == null) {
          throw new SQLException(
              "GET_LOCK('" + key.mariaDbName() + "') returned NULL (an error on the server)");
        }
        if (((Number) result).intValue() == 1) {
          long token = incrementFence(connection, key, holder);
          return new ConnectionHeldLock(key, database.name(), token, connection, connectionId);
        }
        mayHold = false;
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (deadline.expired()) {
          giveBack(connection);
          return null;
        }
      }
    } catch (InterruptedException e) {
      if (mayHold) {
        evict(connection);
      } else {
        giveBack(connection);
      }
      throw e;
    } catch (SQLException | RuntimeException e) {
      evict(connection);
      throw e;
    }
  }

  /** Increments and commits (auto-commit) the counter through LAST_INSERT_ID(expr). */
  long incrementFence(Connection connection, LockKey key, String holder) throws SQLException {
    String table = database.lockTable();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "insert into "
                + table
                + " (lock_key, lock_name, fence, holder, acquired_at)"
                + " values (?, ?, last_insert_id(1), ?, now(6))"
                + " on duplicate key update fence = last_insert_id(fence + 1),"
                + " holder = values(holder), acquired_at = values(acquired_at)")) {
      ps.setLong(1, key.value());
      ps.setString(2, key.storedName());
      ps.setString(3, holder);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = connection.prepareStatement("select last_insert_id()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  void check(HeldLock lock) {
    ConnectionHeldLock held = (ConnectionHeldLock) lock;
    if (!held.session.tryLock()) {
      return;
    }
    try {
      if (held.isReleased() || held.isLost()) {
        return;
      }
      try (PreparedStatement ps =
          held.connection.prepareStatement("select is_used_lock(?) = connection_id()")) {
        ps.setString(1, held.key.mariaDbName());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) != 1 || rs.wasNull()) {
            held.markLost(
                "connection " + held.sessionId + " no longer holds the lock (IS_USED_LOCK)", null);
          }
        }
      } catch (SQLException e) {
        held.markLost(
            "the lock's session (connection " + held.sessionId + ") failed: " + e.getMessage(), e);
      }
    } finally {
      held.session.unlock();
    }
  }

  @Override
  ReleaseOutcome release(HeldLock lock) {
    ConnectionHeldLock held = (ConnectionHeldLock) lock;
    held.session.lock();
    try {
      held.releasing();
      try (PreparedStatement ps = held.connection.prepareStatement("select release_lock(?)")) {
        ps.setString(1, held.key.mariaDbName());
        Object result;
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          result = rs.getObject(1);
        }
        if (result != null && ((Number) result).intValue() == 1) {
          giveBack(held.connection);
          return ReleaseOutcome.HELD;
        }
        evict(held.connection);
        return ReleaseOutcome.lost(
            "RELEASE_LOCK on connection "
                + held.sessionId
                + " returned "
                + result
                + (result == null ? " (no such lock)" : " (held by another session)"),
            null);
      } catch (SQLException | RuntimeException e) {
        evict(held.connection);
        return ReleaseOutcome.lost(
            "could not release on connection "
                + held.sessionId
                + " (its session is gone, and with it the lock): "
                + e.getMessage(),
            e);
      }
    } finally {
      held.session.unlock();
    }
  }

  @Override
  String describeHolder(LockKey key) {
    try (Connection connection = pool.getConnection()) {
      String live = null;
      long holderId = 0;
      try (PreparedStatement ps = connection.prepareStatement("select is_used_lock(?)")) {
        ps.setString(1, key.mariaDbName());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            holderId = rs.getLong(1);
          }
        }
      }
      if (holderId != 0) {
        live = "MariaDB connection " + holderId;
        try (PreparedStatement ps =
            connection.prepareStatement(
                "select user, host, db, command, time from information_schema.processlist"
                    + " where id = ?")) {
          ps.setLong(1, holderId);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              live +=
                  " ("
                      + rs.getString(1)
                      + "@"
                      + rs.getString(2)
                      + ", database "
                      + rs.getString(3)
                      + ", "
                      + rs.getString(4)
                      + " for "
                      + rs.getLong(5)
                      + " s)";
            }
          }
        }
      }
      return join(live, lastGrant(connection, key));
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }
}
