package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceWrapper;

/**
 * A non-XA connection's local transaction dressed as an XAResource that a transaction manager
 * commits last, in one phase, after every XA branch prepared ({@link LastResource}). It cannot be
 * prepared: {@link #prepare} answers {@code XAER_PROTO} rather than pretend, so a TM that does not
 * honour LastResource rolls back instead of committing without atomicity. With a marker table the
 * commit also inserts the Xid into it, inside the same local transaction.
 */
final class LocalTransactionResource implements XAResourceWrapper, LastResource {
  enum Outcome {
    OPEN,
    COMMITTED,
    ROLLED_BACK,
    /** The commit call failed on a broken connection: committed or not, nobody can tell here. */
    UNKNOWN
  }

  private final Connection connection;
  private final ResourceIdentity identity;
  private final MarkerTable markers;
  private volatile Xid xid;
  private volatile Outcome outcome = Outcome.OPEN;

  LocalTransactionResource(Connection connection, ResourceIdentity identity, MarkerTable markers) {
    this.connection = connection;
    this.identity = identity;
    this.markers = markers;
  }

  Outcome outcome() {
    return outcome;
  }

  Xid xid() {
    return xid;
  }

  @Override
  public void start(Xid xid, int flags) throws XAException {
    if (flags == TMNOFLAGS) {
      this.xid = xid;
    } else if (this.xid == null || !RecordedXid.sameXid(this.xid, xid)) {
      throw XaErrors.of(
          XAException.XAER_PROTO,
          identity.name() + ": a last resource joins or resumes only its own transaction",
          null);
    }
  }

  @Override
  public void end(Xid xid, int flags) {
    // Nothing to do: the local transaction stays open until commit or rollback.
  }

  @Override
  public int prepare(Xid xid) throws XAException {
    throw XaErrors.of(
        XAException.XAER_PROTO,
        identity.name()
            + " is a non-XA last resource and cannot be prepared; the transaction manager must"
            + " treat org.jboss.tm.LastResource as its last resource (Narayana:"
            + " JTAEnvironmentBean.lastResourceOptimisationInterfaceClassName)",
        null);
  }

  @Override
  public void commit(Xid xid, boolean onePhase) throws XAException {
    if (!onePhase) {
      throw XaErrors.of(
          XAException.XAER_PROTO,
          identity.name() + " was never prepared; a last resource commits in one phase only",
          null);
    }
    try {
      if (markers != null) {
        markers.insert(connection, xid);
      }
      connection.commit();
      outcome = Outcome.COMMITTED;
    } catch (SQLException e) {
      boolean connectionLost = HandleOwner.isConnectionFailure(e, connection);
      if (!connectionLost) {
        try {
          connection.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      outcome = connectionLost ? Outcome.UNKNOWN : Outcome.ROLLED_BACK;
      throw XaErrors.of(
          connectionLost ? XAException.XAER_RMFAIL : XAException.XA_RBROLLBACK,
          identity.name()
              + (connectionLost
                  ? ": the connection failed during the one-phase commit; the outcome is unknown"
                      + (markers != null ? " (the marker table " + markers.name() + " tells)" : "")
                  : ": the one-phase commit failed and was rolled back")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void rollback(Xid xid) throws XAException {
    try {
      connection.rollback();
      outcome = Outcome.ROLLED_BACK;
    } catch (SQLException e) {
      // A lost connection means the database rolled the local transaction back itself.
      boolean connectionLost = HandleOwner.isConnectionFailure(e, connection);
      outcome = connectionLost ? Outcome.ROLLED_BACK : Outcome.UNKNOWN;
      throw XaErrors.of(
          connectionLost ? XAException.XAER_RMFAIL : XAException.XAER_RMERR,
          identity.name() + ": rollback failed: " + e.getMessage(),
          e);
    }
  }

  @Override
  public void forget(Xid xid) {
    // Nothing is ever heuristic here.
  }

  @Override
  public Xid[] recover(int flag) {
    return new Xid[0];
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

  @Override
  public String toString() {
    return "LocalTransactionResource[" + identity.name() + ", " + outcome + "]";
  }
}
