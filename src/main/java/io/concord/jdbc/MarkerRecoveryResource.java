package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
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
final class MarkerRecoveryResource extends RecoveryScanResource<Connection>
    implements LastResource {
  private final DataSource source;
  private final MarkerTable markers;

  MarkerRecoveryResource(DataSource source, ResourceIdentity identity, MarkerTable markers) {
    super(identity);
    this.source = source;
    this.markers = markers;
  }

  @Override
  Connection open() throws SQLException {
    Connection connection = source.getConnection();
    try {
      if (!connection.getAutoCommit()) {
        connection.setAutoCommit(true);
      }
      return connection;
    } catch (SQLException | RuntimeException e) {
      closeAfterFailure(connection::close, e);
      throw e;
    }
  }

  @Override
  void closePhysical(Connection connection) throws SQLException {
    connection.close();
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
  public XAResource getResource() {
    return this;
  }

  @Override
  public String toString() {
    return "MarkerRecoveryResource[" + identity.name() + ", " + markers.name() + "]";
  }
}
