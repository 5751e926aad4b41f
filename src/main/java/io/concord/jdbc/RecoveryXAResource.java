package io.concord.jdbc;

import java.sql.SQLException;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A recovery scan's view of a {@link ConcordDataSource}'s database: a fresh XA connection, kept for
 * the whole scan because H2 only rolls back an in-doubt branch on a connection that ran recover()
 * first (see {@link RecoveryScanResource}).
 */
final class RecoveryXAResource extends RecoveryScanResource<RecoveryXAResource.Opened> {
  private final XADataSource source;

  /** An XA connection and its driver resource. */
  record Opened(XAConnection connection, XAResource driver) {}

  RecoveryXAResource(XADataSource source, ResourceIdentity identity) {
    super(identity);
    this.source = source;
  }

  @Override
  Opened open() throws SQLException {
    XAConnection connection = source.getXAConnection();
    try {
      return new Opened(connection, connection.getXAResource());
    } catch (SQLException | RuntimeException e) {
      closeAfterFailure(connection::close, e);
      throw e;
    }
  }

  @Override
  void closePhysical(Opened opened) throws SQLException {
    opened.connection().close();
  }

  private XAResource driver() throws XAException {
    lock.lock();
    try {
      return connection().driver();
    } finally {
      lock.unlock();
    }
  }

  private XAException failure(String call, RuntimeException e) {
    return XaErrors.of(XAException.XAER_RMERR, identity.name() + ": " + call + " failed: " + e, e);
  }

  @Override
  public Xid[] recover(int flag) throws XAException {
    try {
      Xid[] xids = driver().recover(flag);
      return xids == null ? new Xid[0] : xids;
    } catch (RuntimeException e) {
      throw failure("recover", e);
    }
  }

  @Override
  public void commit(Xid xid, boolean onePhase) throws XAException {
    try {
      identity
          .phaseGate()
          .completePrepared(
              () -> {
                driver().commit(xid, onePhase);
                return null;
              });
    } catch (RuntimeException e) {
      throw failure("commit", e);
    }
  }

  @Override
  public void rollback(Xid xid) throws XAException {
    try {
      identity
          .phaseGate()
          .completePrepared(
              () -> {
                driver().rollback(xid);
                return null;
              });
    } catch (RuntimeException e) {
      throw failure("rollback", e);
    }
  }

  @Override
  public void forget(Xid xid) throws XAException {
    try {
      driver().forget(xid);
    } catch (RuntimeException e) {
      throw failure("forget", e);
    }
  }

  @Override
  public XAResource getResource() {
    lock.lock();
    try {
      Opened opened = openedConnection();
      return opened == null ? null : opened.driver();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RecoveryXAResource[" + identity.name() + "]";
  }
}
