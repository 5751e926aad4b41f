package io.concord.recovery;

import java.sql.SQLException;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceWrapper;

/**
 * A recovery source straight over a driver's {@link XADataSource}, without Concord's pool: every
 * {@link #getXAResources()} opens a fresh (auto-commit) XA connection, closed with the resource.
 * Lets the driver-level tests prove the recovery algorithm against the real drivers alone.
 */
public final class DriverRecoverySource implements XAResourceRecovery {
  private final String name;
  private final XADataSource dataSource;
  private final int connections;

  DriverRecoverySource(String name, XADataSource dataSource) {
    this(name, dataSource, 1);
  }

  /** A source handing out {@code connections} resources (connections) per scan. */
  public DriverRecoverySource(String name, XADataSource dataSource, int connections) {
    this.name = name;
    this.dataSource = dataSource;
    this.connections = connections;
  }

  @Override
  public XAResource[] getXAResources() {
    XAResource[] resources = new XAResource[connections];
    try {
      for (int i = 0; i < connections; i++) {
        XAConnection connection = dataSource.getXAConnection();
        resources[i] = new Resource(connection, connection.getXAResource());
      }
      return resources;
    } catch (SQLException e) {
      for (XAResource r : resources) {
        if (r != null) {
          ((Resource) r).closeQuietly();
        }
      }
      throw new IllegalStateException(name + ": cannot open a recovery connection: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "driver recovery " + name;
  }

  private final class Resource implements XAResourceWrapper, AutoCloseable {
    private final XAConnection connection;
    private final XAResource driver;

    Resource(XAConnection connection, XAResource driver) {
      this.connection = connection;
      this.driver = driver;
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
      return driver.recover(flag);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      driver.commit(xid, onePhase);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
      driver.rollback(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
      driver.forget(xid);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
      driver.end(xid, flags);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
      driver.start(xid, flags);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
      return driver.prepare(xid);
    }

    @Override
    public int getTransactionTimeout() throws XAException {
      return driver.getTransactionTimeout();
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
      return driver.setTransactionTimeout(seconds);
    }

    @Override
    public boolean isSameRM(XAResource other) {
      return other == this;
    }

    @Override
    public XAResource getResource() {
      return driver;
    }

    @Override
    public String getProductName() {
      return driver.getClass().getName();
    }

    @Override
    public String getProductVersion() {
      return null;
    }

    @Override
    public String getJndiName() {
      return name;
    }

    @Override
    public void close() throws SQLException {
      connection.close();
    }

    void closeQuietly() {
      try {
        connection.close();
      } catch (SQLException e) {
        // nothing to lose: the scan never started
      }
    }
  }
}
