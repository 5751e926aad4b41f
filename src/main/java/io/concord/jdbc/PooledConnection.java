package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.ConnectionEvent;
import javax.sql.ConnectionEventListener;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

/**
 * One physical XA connection of a pool: the driver's {@link XAConnection}, its {@link XAResource}
 * and its logical {@link Connection}, each taken exactly once. H2 (and pgjdbc up to 42.7.12) roll
 * the branch back on a second {@code XAConnection.getConnection()}, and MariaDB returns a new
 * XAResource per call, so users only ever see our own handles on top of these three objects.
 */
final class PooledConnection implements ConnectionEventListener {
  static final int IDLE = 0;
  static final int IN_USE = 1;
  static final int REMOVED = 2;

  final XAConnection xaConnection;
  final XAResource xaResource;
  final Connection connection;
  final long createdNanos;
  final AtomicInteger state = new AtomicInteger(IN_USE);

  /** Defaults captured at creation; a handle that changed one is reset on return. */
  final int defaultIsolation;

  volatile long lastReturnedNanos;
  volatile long borrowedNanos;

  /** Where the current borrower got the connection; only recorded with leak detection on. */
  volatile Throwable borrowSite;

  volatile boolean leakReported;

  /** The driver reported a fatal error, or a handle saw a connection-failure SQLState. */
  volatile boolean broken;

  /** Past its lifetime while in use: retire instead of reusing when it comes back. */
  volatile boolean retire;

  boolean autoCommitChanged;
  boolean isolationChanged;
  boolean readOnlyChanged;
  boolean catalogChanged;
  boolean schemaChanged;
  String defaultCatalog;
  String defaultSchema;

  private PooledConnection(XAConnection xaConnection, long now) throws SQLException {
    this.xaConnection = xaConnection;
    this.xaResource = xaConnection.getXAResource();
    this.connection = xaConnection.getConnection();
    if (!connection.getAutoCommit()) {
      connection.setAutoCommit(true);
    }
    this.defaultIsolation = connection.getTransactionIsolation();
    this.createdNanos = now;
    this.lastReturnedNanos = now;
    xaConnection.addConnectionEventListener(this);
  }

  /** Opens the three driver objects, closing the XA connection again if any step fails. */
  static PooledConnection open(XAConnection xaConnection, long now) throws SQLException {
    try {
      return new PooledConnection(xaConnection, now);
    } catch (SQLException | RuntimeException e) {
      try {
        xaConnection.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  boolean claim() {
    return state.compareAndSet(IDLE, IN_USE);
  }

  boolean isDirty() {
    return isolationChanged || readOnlyChanged || catalogChanged || schemaChanged;
  }

  /** Puts session settings a handle changed back to how the pool opened the connection. */
  void resetSession() throws SQLException {
    if (!connection.getAutoCommit()) {
      connection.rollback();
      connection.setAutoCommit(true);
    }
    autoCommitChanged = false;
    if (readOnlyChanged) {
      connection.setReadOnly(false);
      readOnlyChanged = false;
    }
    if (isolationChanged) {
      connection.setTransactionIsolation(defaultIsolation);
      isolationChanged = false;
    }
    if (catalogChanged) {
      connection.setCatalog(defaultCatalog);
      catalogChanged = false;
    }
    if (schemaChanged) {
      connection.setSchema(defaultSchema);
      schemaChanged = false;
    }
    connection.clearWarnings();
  }

  void rememberCatalog() throws SQLException {
    if (!catalogChanged) {
      defaultCatalog = connection.getCatalog();
      catalogChanged = true;
    }
  }

  void rememberSchema() throws SQLException {
    if (!schemaChanged) {
      defaultSchema = connection.getSchema();
      schemaChanged = true;
    }
  }

  @Override
  public void connectionClosed(ConnectionEvent event) {
    // Our handles never close the driver's handle; nothing to do.
  }

  @Override
  public void connectionErrorOccurred(ConnectionEvent event) {
    broken = true;
  }

  void closeQuietly() {
    try {
      xaConnection.removeConnectionEventListener(this);
    } catch (RuntimeException ignored) {
      // a broken driver object may throw here; closing below is what matters
    }
    try {
      xaConnection.close();
    } catch (SQLException | RuntimeException e) {
      ConnectionPool.LOG.debug("closing a physical connection failed: {}", e.toString());
    }
  }
}
