package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;

/**
 * A recovery scan's view of a last resource's marker table. {@code recover(TMSTARTRSCAN)} lists the
 * Xids whose local transaction committed (a recovery manager treats an in-doubt branch of such a
 * transaction as committed, even without a commit record); {@code commit(xid, false)} and {@code
 * forget(xid)} delete that marker; {@code rollback} does nothing (the marker proves the commit
 * happened). The connection comes from the wrapped DataSource on first use.
 */
final class MarkerRecoveryResource implements ScanResource, LastResource {
  private final DataSource source;
  private final ResourceIdentity identity;
  private final MarkerTable markers;
  private final ReentrantLock lock = new ReentrantLock();
  private Connection connection;
  private boolean closed;

  MarkerRecoveryResource(DataSource source, ResourceIdentity identity, MarkerTable markers) {
    this.source = source;
    this.identity = identity;
    this.markers = markers;
  }

  private Connection connection() throws XAException {
    if (closed) {
      throw XaErrors.of(
          XAException.XAER_RMFAIL,
          identity.name() + ": this recovery resource was closed (its scan is over)",
          null);
    }
    if (connection == null) {
      try {
        connection = source.getConnection();
        if (!connection.getAutoCommit()) {
          connection.setAutoCommit(true);
        }
      } catch (SQLException e) {
        closeConnection();
        throw XaErrors.of(
            XAException.XAER_RMFAIL,
            identity.name() + ": could not open a recovery connection: " + e.getMessage(),
            e);
      }
    }
    return connection;
  }

  @Override
  public Xid[] recover(int flag) throws XAException {
    if ((flag & TMSTARTRSCAN) == 0) {
      return new Xid[0];
    }
    lock.lock();
    try {
      List<Xid> xids = markers.readAll(connection());
      return xids.toArray(new Xid[0]);
    } catch (SQLException e) {
      closeConnection();
      throw XaErrors.of(
          XAException.XAER_RMFAIL,
          identity.name()
              + ": could not read marker table "
              + markers.name()
              + ": "
              + e.getMessage(),
          e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void commit(Xid xid, boolean onePhase) throws XAException {
    if (onePhase) {
      throw XaErrors.of(
          XAException.XAER_PROTO,
          identity.name() + ": a marker-table recovery resource has no work to commit",
          null);
    }
    deleteMarker(xid);
  }

  @Override
  public void forget(Xid xid) throws XAException {
    deleteMarker(xid);
  }

  private void deleteMarker(Xid xid) throws XAException {
    lock.lock();
    try {
      markers.delete(connection(), List.of(xid));
    } catch (SQLException e) {
      closeConnection();
      throw XaErrors.of(
          XAException.XAER_RMFAIL,
          identity.name() + ": could not delete the marker of " + xid + ": " + e.getMessage(),
          e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void rollback(Xid xid) {
    // A marker means the last resource committed; there is nothing to roll back.
  }

  @Override
  public int prepare(Xid xid) throws XAException {
    throw XaErrors.of(XAException.XAER_PROTO, identity.name() + ": recovery only", null);
  }

  @Override
  public void start(Xid xid, int flags) throws XAException {
    throw XaErrors.of(XAException.XAER_PROTO, identity.name() + ": recovery only", null);
  }

  @Override
  public void end(Xid xid, int flags) throws XAException {
    throw XaErrors.of(XAException.XAER_PROTO, identity.name() + ": recovery only", null);
  }

  @Override
  public boolean isSameRM(XAResource other) {
    return other == this;
  }

  @Override
  public int getTransactionTimeout() {
    return 0;
  }

  @Override
  public boolean setTransactionTimeout(int seconds) {
    return false;
  }

  @Override
  public XAResource getResource() {
    return this;
  }

  @Override
  public String getProductName() {
    return identity.productName();
  }

  @Override
  public String getProductVersion() {
    return identity.productVersion();
  }

  @Override
  public String getJndiName() {
    return identity.name();
  }

  boolean isConnected() {
    lock.lock();
    try {
      return connection != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      closeConnection();
    } finally {
      lock.unlock();
    }
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        ConnectionPool.LOG.debug(
            "{}: closing a recovery connection failed: {}", identity.name(), e.toString());
      }
      connection = null;
    }
  }

  @Override
  public String toString() {
    return "MarkerRecoveryResource[" + identity.name() + ", " + markers.name() + "]";
  }
}
