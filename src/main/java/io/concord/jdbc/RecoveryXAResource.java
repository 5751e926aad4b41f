package io.concord.jdbc;

import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A recovery scan's view of a {@link ConcordDataSource}'s database: a fresh XA connection (never a
 * pooled one, which may hold a live branch), opened on the first XA call and kept for the whole
 * scan, because H2 only rolls back an in-doubt branch on a connection that ran recover() first. An
 * unreachable database answers {@code XAER_RMFAIL}, so the recovery manager retries later.
 */
final class RecoveryXAResource implements ScanResource {
  private final XADataSource source;
  private final ResourceIdentity identity;
  private final ReentrantLock lock = new ReentrantLock();
  private XAConnection connection;
  private XAResource driver;
  private boolean closed;

  RecoveryXAResource(XADataSource source, ResourceIdentity identity) {
    this.source = source;
    this.identity = identity;
  }

  private XAResource driver() throws XAException {
    lock.lock();
    try {
      if (closed) {
        throw XaErrors.of(
            XAException.XAER_RMFAIL,
            identity.name() + ": this recovery resource was closed (its scan is over)",
            null);
      }
      if (driver == null) {
        try {
          connection = source.getXAConnection();
          driver = connection.getXAResource();
        } catch (SQLException | RuntimeException e) {
          closeConnection();
          throw XaErrors.of(
              XAException.XAER_RMFAIL,
              identity.name() + ": could not open a recovery connection: " + e.getMessage(),
              e);
        }
      }
      return driver;
    } finally {
      lock.unlock();
    }
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
      } catch (SQLException | RuntimeException e) {
        ConnectionPool.LOG.debug(
            "{}: closing a recovery connection failed: {}", identity.name(), e.toString());
      }
    }
    connection = null;
    driver = null;
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
  public int prepare(Xid xid) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO, identity.name() + ": a recovery resource cannot prepare", null);
  }

  @Override
  public void start(Xid xid, int flags) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO,
        identity.name() + ": a recovery resource cannot start a branch",
        null);
  }

  @Override
  public void end(Xid xid, int flags) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO, identity.name() + ": a recovery resource has no branch", null);
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
    lock.lock();
    try {
      return driver;
    } finally {
      lock.unlock();
    }
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

  @Override
  public String toString() {
    return "RecoveryXAResource[" + identity.name() + "]";
  }
}
