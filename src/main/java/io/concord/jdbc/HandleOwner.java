package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a {@link ConnectionHandle} is a handle of: a lease outside any transaction, or a connection
 * pinned to one transaction. The owner decides whether the handle may do work right now, what an
 * SQLException means for the transaction, and what closing the handle does.
 */
interface HandleOwner {

  /** The connection the handle delegates to (never closed by the handle itself). */
  Connection physical();

  /** Session-state bookkeeping of a pooled connection, or null when the delegate resets itself. */
  PooledConnection pooled();

  /** The pool or DataSource name, for messages. */
  String resourceName();

  /** True when the physical connection takes part in a JTA transaction. */
  boolean enlisted();

  /** Throws when work on the handle now would escape the transaction it belongs to. */
  void checkUsable() throws SQLException;

  /**
   * A call on the handle or on one of its statements failed: mark the transaction rollback-only (an
   * enlisted connection) and the physical connection broken (a connection-level failure).
   *
   * @return the exception to rethrow
   */
  SQLException failed(SQLException e);

  /** The handle was closed; a lease returns the physical connection, a transaction waits. */
  void handleClosed(ConnectionHandle handle);

  /** SQLStates and exception types that mean the physical connection itself is gone. */
  static boolean isConnectionFailure(SQLException e, Connection physical) {
    String state = e.getSQLState();
    if (e instanceof java.sql.SQLNonTransientConnectionException
        || e instanceof java.sql.SQLRecoverableException) {
      return true;
    }
    if (state != null
        && (state.startsWith("08")
            || state.equals("57P01") // PostgreSQL: terminating connection (admin_shutdown)
            || state.equals("57P02") // crash_shutdown
            || state.equals("57P03") // cannot_connect_now
            || state.equals("90067") // H2: connection is broken
            || state.equals("90098") // H2: database has been closed
            || state.equals("90121"))) { // H2: database called at VM shutdown
      return true;
    }
    try {
      return physical.isClosed();
    } catch (SQLException | RuntimeException ignored) {
      return true;
    }
  }
}
