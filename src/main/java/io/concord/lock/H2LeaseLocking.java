package io.concord.lock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * H2 has no advisory locks, so a lock is a lease in the lock table. Acquiring is one conditional
 * update, where the lease is free or expired (by the database's clock): it writes a fresh owner id,
 * increments the fencing counter and sets {@code lease_until}; the keep-alive renews it while the
 * holder lives; release clears it, in each case only where the owner id is still this
 * acquisition's.
 *
 * <p>Weaker than a session lock: a holder paused longer than the lease (GC, SIGSTOP, a debugger)
 * loses the lock to the next process while it may still believe it holds it. It notices at the next
 * renewal, on its own clock, and its fencing token is then stale; storage that checks tokens
 * rejects its writes. A dead holder's lock is free only after its lease expires.
 */
final class H2LeaseLocking extends SessionLocking {

  H2LeaseLocking(LockDatabase database) {
    super(database);
  }

  @Override
  String connectionInitSql() {
    return null;
  }

  @Override
  boolean checksBySession() {
    return false;
  }

  private long leaseMillis() {
    return database.lease().toMillis();
  }

  @Override
  HeldLock acquire(LockKey key, Deadline deadline, String holder)
      throws SQLException, InterruptedException {
    String table = database.lockTable();
    Backoff backoff = new Backoff(database.minPollInterval(), database.maxPollInterval());
    String owner = UUID.randomUUID().toString();
    while (true) {
      try (Connection connection = borrow()) {
        HeldLock granted = tryGrant(connection, table, key, holder, owner);
        if (granted != null) {
          return granted;
        }
        if (!rowExists(connection, table, key)) {
          insertRow(connection, table, key);
          continue; // the row exists now: try it at once
        }
      }
      if (deadline.expired()) {
        return null;
      }
      backoff.sleep(deadline);
    }
  }

  /**
   * One statement in its own transaction: take the lease where it is free or expired (by the
   * database's clock) and read back the new fencing token. H2 locks the row before it updates it
   * and, when a concurrent transaction changed the row in the meantime, evaluates the condition
   * again on the committed row, so two acquirers of a free lease cannot both get it. Null when the
   * lease is held by a live holder or the row does not exist.
   */
  private HeldLock tryGrant(
      Connection connection, String table, LockKey key, String holder, String owner)
      throws SQLException {
    long sentAt = System.nanoTime();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select fence from final table (update "
                + table
                + " set owner = ?, holder = ?, fence = fence + 1, acquired_at = current_timestamp,"
                + " lease_until = dateadd(millisecond, ?, current_timestamp)"
                + " where lock_key = ? and (owner is null or lease_until < current_timestamp))")) {
      ps.setString(1, owner);
      ps.setString(2, holder);
      ps.setLong(3, leaseMillis());
      ps.setLong(4, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new LeaseHeldLock(
            key, database.name(), rs.getLong(1), owner, sentAt + database.lease().toNanos());
      }
    }
  }

  private static boolean rowExists(Connection connection, String table, LockKey key)
      throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("select count(*) from " + table + " where lock_key = ?")) {
      ps.setLong(1, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }
  }

  private static void insertRow(Connection connection, String table, LockKey key)
      throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "insert into " + table + " (lock_key, lock_name, fence) values (?, ?, 0)")) {
      ps.setLong(1, key.value());
      ps.setString(2, key.storedName());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (!"23505".equals(e.getSQLState())) {
        throw e; // 23505: another process created it first, which is just as good
      }
    }
  }

  @Override
  void check(HeldLock lock) {
    LeaseHeldLock held = (LeaseHeldLock) lock;
    if (!held.session.tryLock()) {
      return;
    }
    try {
      if (held.isReleased() || held.isLost()) {
        return;
      }
      long sentAt = System.nanoTime();
      try (Connection connection = borrow();
          PreparedStatement ps =
              connection.prepareStatement(
                  "update "
                      + database.lockTable()
                      + " set lease_until = dateadd(millisecond, ?, current_timestamp)"
                      + " where lock_key = ? and owner = ? and lease_until >= current_timestamp")) {
        ps.setLong(1, leaseMillis());
        ps.setLong(2, held.key.value());
        ps.setString(3, held.owner);
        if (ps.executeUpdate() == 1) {
          held.renewedUntil(sentAt + database.lease().toNanos());
        } else {
          held.markLost("its lease had expired or been taken over when it was renewed", null);
        }
      } catch (SQLException e) {
        // Not lost yet: the lease may still be valid. isLost() notices when it runs out.
        held.isLost();
      }
    } finally {
      held.session.unlock();
    }
  }

  @Override
  ReleaseOutcome release(HeldLock lock) {
    LeaseHeldLock held = (LeaseHeldLock) lock;
    held.session.lock();
    try {
      boolean expiredLocally = held.expired();
      held.releasing();
      try (Connection connection = borrow();
          PreparedStatement ps =
              connection.prepareStatement(
                  "update "
                      + database.lockTable()
                      + " set owner = null, lease_until = null where lock_key = ? and owner = ?")) {
        ps.setLong(1, held.key.value());
        ps.setString(2, held.owner);
        if (ps.executeUpdate() == 1 && !expiredLocally) {
          return ReleaseOutcome.HELD;
        }
        return ReleaseOutcome.lost(
            expiredLocally
                ? "its lease ran out before the release"
                : "its lease had been taken over by another holder before the release",
            null);
      } catch (SQLException e) {
        return ReleaseOutcome.lost(
            "could not clear the lease (it expires by itself): " + e.getMessage(), e);
      }
    } finally {
      held.session.unlock();
    }
  }

  @Override
  String describeHolder(LockKey key) {
    try (Connection connection = pool.getConnection();
        PreparedStatement ps =
            connection.prepareStatement(
                "select holder, fence, lease_until from "
                    + database.lockTable()
                    + " where lock_key = ? and owner is not null")) {
      ps.setLong(1, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return "lease of "
              + rs.getString(1)
              + " with fencing token "
              + rs.getLong(2)
              + ", until "
              + rs.getString(3);
        }
      }
      return null;
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }
}
