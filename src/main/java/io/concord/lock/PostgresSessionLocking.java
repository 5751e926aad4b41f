package io.concord.lock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * PostgreSQL session-level advisory locks: {@code pg_try_advisory_lock(bigint)} polled with
 * back-off on a dedicated connection, released with {@code pg_advisory_unlock} on that same
 * connection. The lock is taken once per hold (reentrancy is counted on the client), and the
 * keep-alive asks {@code pg_locks} whether this very backend still holds it.
 */
final class PostgresSessionLocking extends SessionLocking {

  static final String HOLDS_LOCK =
      "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"
          + " and objsubid = 1 and granted and ((classid::bigint << 32) | objid::bigint) = ?";

  PostgresSessionLocking(LockDatabase database) {
    super(database);
  }

  @Override
  String connectionInitSql() {
    StringBuilder sql = new StringBuilder("set application_name = 'concord-lock'");
    long dead = database.deadClientTimeout().toSeconds();
    if (dead > 0) {
      // The server probes an idle client socket: idle + count * interval ≈ deadClientTimeout.
      long idle = Math.max(1, dead / 2);
      long interval = Math.max(1, dead / 6);
      sql.append("; set tcp_keepalives_idle = ")
          .append(idle)
          .append("; set tcp_keepalives_interval = ")
          .append(interval)
          .append("; set tcp_keepalives_count = 3");
    }
    return sql.toString();
  }

  @Override
  HeldLock acquire(LockKey key, Deadline deadline, String holder)
      throws SQLException, InterruptedException {
    if (database.poolingProxy() == PoolingProxy.TRANSACTION_POOLING) {
      throw new LockException(
          "session lock "
              + key
              + " refused: lock database '"
              + database.name()
              + "' is configured behind a transaction-pooling proxy (PgBouncer pool_mode ="
              + " transaction), where a session-level advisory lock and its unlock can land on"
              + " different backends and a dead client's lock leaks into the pool. Use"
              + " acquireForTransaction(...) (pg_advisory_xact_lock) or give this lock database a"
              + " direct or session-pooled connection.");
    }
    Connection connection = borrow();
    boolean mayHold = false;
    try {
      Backoff backoff = new Backoff(database.minPollInterval(), database.maxPollInterval());
      try (PreparedStatement attempt =
          connection.prepareStatement("select pg_try_advisory_lock(?), pg_backend_pid()")) {
        attempt.setLong(1, key.value());
        while (true) {
          mayHold = true;
          boolean acquired;
          long pid;
          try (ResultSet rs = attempt.executeQuery()) {
            rs.next();
            acquired = rs.getBoolean(1);
            pid = rs.getLong(2);
          }
          if (acquired) {
            long[] fence = incrementFence(connection, key, holder);
            if (fence[1] != pid) {
              evict(connection);
              throw new LockException(
                  "session lock "
                      + key
                      + " on database '"
                      + database.name()
                      + "': the lock was taken by backend "
                      + pid
                      + " but the next statement ran on backend "
                      + fence[1]
                      + ". A transaction-pooling proxy (PgBouncer pool_mode = transaction?) sits"
                      + " in between; session locks cannot work there. Configure"
                      + " poolingProxy(TRANSACTION_POOLING) and use transaction-scoped locks.");
            }
            return new ConnectionHeldLock(key, database.name(), fence[0], connection, pid);
          }
          mayHold = false;
          if (deadline.expired()) {
            giveBack(connection);
            return null;
          }
          backoff.sleep(deadline);
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
      // The lock may have been granted before the failure: ending the session drops it.
      evict(connection);
      throw e;
    }
  }

  /** Increments and commits (auto-commit) the counter; returns {token, backend pid}. */
  long[] incrementFence(Connection connection, LockKey key, String holder) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(fenceSql(database.lockTable()))) {
      ps.setLong(1, key.value());
      ps.setString(2, key.storedName());
      ps.setString(3, holder);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  static String fenceSql(String table) {
    return "insert into "
        + table
        + " (lock_key, lock_name, fence, holder, acquired_at) values (?, ?, 1, ?, now())"
        + " on conflict (lock_key) do update set fence = "
        + table
        + ".fence + 1, holder = excluded.holder, acquired_at = excluded.acquired_at"
        + " returning fence, pg_backend_pid()";
  }

  @Override
  void check(HeldLock lock) {
    ConnectionHeldLock held = (ConnectionHeldLock) lock;
    if (!held.session.tryLock()) {
      return; // being released right now
    }
    try {
      if (held.isReleased() || held.isLost()) {
        return;
      }
      try (PreparedStatement ps = held.connection.prepareStatement(HOLDS_LOCK)) {
        ps.setLong(1, held.key.value());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) != 1) {
            held.markLost(
                "backend " + held.sessionId + " no longer holds the advisory lock (pg_locks)",
                null);
          }
        }
      } catch (SQLException e) {
        held.markLost(
            "the lock's session (backend " + held.sessionId + ") failed: " + e.getMessage(), e);
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
      try (PreparedStatement ps =
          held.connection.prepareStatement("select pg_advisory_unlock(?)")) {
        ps.setLong(1, held.key.value());
        boolean unlocked;
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          unlocked = rs.getBoolean(1);
        }
        if (unlocked) {
          giveBack(held.connection);
          return ReleaseOutcome.HELD;
        }
        evict(held.connection);
        return ReleaseOutcome.lost(
            "pg_advisory_unlock found no lock on backend " + held.sessionId, null);
      } catch (SQLException | RuntimeException e) {
        evict(held.connection);
        return ReleaseOutcome.lost(
            "could not release on backend "
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
      return join(holderFromPgLocks(connection, key), lastGrant(connection, key));
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  /** Who holds an advisory key: a backend (pid, application, client) or a prepared transaction. */
  static String holderFromPgLocks(Connection connection, LockKey key) throws SQLException {
    String sql =
        "select l.pid, a.application_name, a.client_addr, a.client_port, a.backend_start,"
            + " (select p.gid from pg_locks t join pg_prepared_xacts p on p.transaction ="
            + " t.transactionid where t.locktype = 'transactionid' and t.virtualtransaction ="
            + " l.virtualtransaction limit 1), l.mode"
            + " from pg_locks l left join pg_stat_activity a on a.pid = l.pid"
            + " where l.locktype = 'advisory' and l.granted and l.objsubid = 1"
            + " and l.database = (select oid from pg_database where datname = current_database())"
            + " and ((l.classid::bigint << 32) | l.objid::bigint) = ?";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setLong(1, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        StringBuilder out = new StringBuilder();
        while (rs.next()) {
          if (out.length() > 0) {
            out.append(" and ");
          }
          if (rs.getObject(1) == null) {
            String gid = rs.getString(6);
            out.append("a prepared transaction")
                .append(gid == null ? "" : " (gid " + gid + ")")
                .append(", until it is committed or rolled back");
          } else {
            out.append("PostgreSQL backend pid ")
                .append(rs.getLong(1))
                .append(" (application '")
                .append(rs.getString(2))
                .append("', client ")
                .append(rs.getString(3))
                .append(':')
                .append(rs.getInt(4))
                .append(", connected since ")
                .append(rs.getString(5))
                .append(')');
          }
        }
        return out.length() == 0 ? null : out.toString();
      }
    }
  }
}
