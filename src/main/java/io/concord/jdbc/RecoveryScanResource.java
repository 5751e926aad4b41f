package io.concord.jdbc;

import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * What the recovery resources of {@link ConcordDataSource} and {@link LastResourceDataSource}
 * share: a connection of their own (never a pooled one, which may hold a live branch), opened on
 * first use and kept for the whole scan, closed with the scan; an unreachable database answers
 * {@code XAER_RMFAIL}, so the recovery manager retries later. They only recover: prepare, start and
 * end are protocol errors.
 *
 * @param <C> the connection kept for the scan
 */
abstract class RecoveryScanResource<C> implements ScanResource {
  final ResourceIdentity identity;

  /** Guards the connection; held by subclasses around calls that use it. */
  final ReentrantLock lock = new ReentrantLock();

  private C connection;
  private boolean closed;

  RecoveryScanResource(ResourceIdentity identity) {
    this.identity = identity;
  }

  /** Opens the scan's connection. */
  abstract C open() throws SQLException;

  /** Closes a connection {@link #open()} returned. */
  abstract void closePhysical(C connection) throws SQLException;

  /** Closes what a failing {@link #open()} had already opened, keeping the open's failure. */
  static void closeAfterFailure(SqlCloser closer, Exception failure) {
    try {
      closer.close();
    } catch (SQLException | RuntimeException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  /** A close that may throw SQLException ({@code XAConnection} is not AutoCloseable). */
  interface SqlCloser {
    void close() throws SQLException;
  }

  /** The scan's connection, opened now if needed. The caller holds {@link #lock}. */
  final C connection() throws XAException {
    if (closed) {
      throw XaErrors.of(
          XAException.XAER_RMFAIL,
          identity.name() + ": this recovery resource was closed (its scan is over)",
          null);
    }
    if (connection == null) {
      try {
        connection = open();
      } catch (SQLException | RuntimeException e) {
        throw XaErrors.of(
            XAException.XAER_RMFAIL,
            identity.name() + ": could not open a recovery connection: " + e.getMessage(),
            e);
      }
    }
    return connection;
  }

  /** The connection if one is open, else null. The caller holds {@link #lock}. */
  final C openedConnection() {
    return connection;
  }

  final boolean isConnected() {
    lock.lock();
    try {
      return connection != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final void close() {
    lock.lock();
    try {
      closed = true;
      closeConnection();
    } finally {
      lock.unlock();
    }
  }

  /** Closes the connection after a failure; the next call opens a new one. Holds {@link #lock}. */
  final void closeConnection() {
    if (connection != null) {
      try {
        closePhysical(connection);
      } catch (SQLException | RuntimeException e) {
        ConnectionPool.LOG.debug(
            "{}: closing a recovery connection failed: {}", identity.name(), e.toString());
      }
      connection = null;
    }
  }

  @Override
  public final int prepare(Xid xid) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO, identity.name() + ": a recovery resource cannot prepare", null);
  }

  @Override
  public final void start(Xid xid, int flags) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO,
        identity.name() + ": a recovery resource cannot start a branch",
        null);
  }

  @Override
  public final void end(Xid xid, int flags) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO, identity.name() + ": a recovery resource has no branch", null);
  }

  @Override
  public final boolean isSameRM(XAResource other) {
    return other == this;
  }

  @Override
  public final int getTransactionTimeout() {
    return 0;
  }

  @Override
  public final boolean setTransactionTimeout(int seconds) {
    return false;
  }

  @Override
  public final String getProductName() {
    return identity.productName();
  }

  @Override
  public final String getProductVersion() {
    return identity.productVersion();
  }

  @Override
  public final String getJndiName() {
    return identity.name();
  }
}
