package io.concord.jdbc;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceWrapper;

/**
 * The XAResource a {@link ConcordDataSource} enlists: the driver's resource behind the stable
 * resource name ({@link #getJndiName()}), recording how far its branch got so that the pool knows
 * after completion whether the physical connection is clean. {@link #isSameRM} is identity only, so
 * no transaction manager ever joins two connections into one branch (none of the three drivers
 * supports that). Runtime exceptions from a driver (H2 throws NullPointerException from prepare)
 * become {@code XAER_RMERR}.
 */
final class EnlistedXAResource implements XAResourceWrapper {

  enum Branch {
    NOT_STARTED,
    ACTIVE,
    ENDED,
    PREPARED,
    /** Committed, rolled back, or read-only: the connection holds nothing of the branch. */
    FINISHED,
    /** A phase-2 or rollback call failed: the branch may still be prepared in the database. */
    UNCERTAIN
  }

  private final XAResource driver;
  private final ResourceIdentity identity;
  private volatile Xid xid;
  private volatile Branch branch = Branch.NOT_STARTED;

  EnlistedXAResource(XAResource driver, ResourceIdentity identity) {
    this.driver = driver;
    this.identity = identity;
  }

  Branch branch() {
    return branch;
  }

  Xid xid() {
    return xid;
  }

  @Override
  public void start(Xid xid, int flags) throws XAException {
    try {
      driver.start(xid, flags);
    } catch (RuntimeException e) {
      throw driverFailure("start", e);
    }
    this.xid = xid;
    branch = Branch.ACTIVE;
  }

  @Override
  public void end(Xid xid, int flags) throws XAException {
    try {
      driver.end(xid, flags);
      branch = Branch.ENDED;
    } catch (XAException e) {
      if (XaErrors.isRollbackCode(e.errorCode)) {
        branch = Branch.ENDED;
      }
      throw e;
    } catch (RuntimeException e) {
      throw driverFailure("end", e);
    }
  }

  @Override
  public int prepare(Xid xid) throws XAException {
    try {
      int vote = identity.phaseGate().prepare(() -> driver.prepare(xid));
      branch = vote == XA_RDONLY ? Branch.FINISHED : Branch.PREPARED;
      return vote;
    } catch (XAException e) {
      branch = XaErrors.isRollbackCode(e.errorCode) ? Branch.FINISHED : Branch.UNCERTAIN;
      throw e;
    } catch (RuntimeException e) {
      branch = Branch.UNCERTAIN;
      throw driverFailure("prepare", e);
    }
  }

  @Override
  public void commit(Xid xid, boolean onePhase) throws XAException {
    try {
      if (onePhase) {
        driver.commit(xid, true);
      } else {
        identity
            .phaseGate()
            .completePrepared(
                () -> {
                  driver.commit(xid, false);
                  return null;
                });
      }
      branch = Branch.FINISHED;
    } catch (XAException e) {
      branch =
          onePhase && XaErrors.isRollbackCode(e.errorCode) ? Branch.FINISHED : Branch.UNCERTAIN;
      throw e;
    } catch (RuntimeException e) {
      branch = Branch.UNCERTAIN;
      throw driverFailure("commit", e);
    }
  }

  @Override
  public void rollback(Xid xid) throws XAException {
    try {
      if (branch == Branch.PREPARED || branch == Branch.UNCERTAIN) {
        identity
            .phaseGate()
            .completePrepared(
                () -> {
                  driver.rollback(xid);
                  return null;
                });
      } else {
        driver.rollback(xid);
      }
      branch = Branch.FINISHED;
    } catch (XAException e) {
      branch = e.errorCode == XAException.XAER_NOTA ? Branch.FINISHED : Branch.UNCERTAIN;
      throw e;
    } catch (RuntimeException e) {
      branch = Branch.UNCERTAIN;
      throw driverFailure("rollback", e);
    }
  }

  /**
   * Rolls back a branch the transaction manager left active or ended although the transaction was
   * rolled back (for example after a failed enlistment elsewhere).
   *
   * @return true when the connection is clean afterwards
   */
  boolean rollbackLeftover() {
    Xid current = xid;
    if (current == null) {
      return true;
    }
    try {
      if (branch == Branch.ACTIVE) {
        try {
          driver.end(current, TMFAIL);
        } catch (XAException e) {
          if (!XaErrors.isRollbackCode(e.errorCode)) {
            throw e;
          }
        }
      }
      driver.rollback(current);
      branch = Branch.FINISHED;
      return true;
    } catch (XAException | RuntimeException e) {
      ConnectionPool.LOG.debug("rolling back a leftover branch failed: {}", e.toString());
      branch = Branch.UNCERTAIN;
      return false;
    }
  }

  @Override
  public void forget(Xid xid) throws XAException {
    try {
      driver.forget(xid);
    } catch (RuntimeException e) {
      throw driverFailure("forget", e);
    }
  }

  @Override
  public Xid[] recover(int flag) throws XAException {
    try {
      return driver.recover(flag);
    } catch (RuntimeException e) {
      throw driverFailure("recover", e);
    }
  }

  @Override
  public boolean isSameRM(XAResource other) {
    return other == this;
  }

  @Override
  public int getTransactionTimeout() throws XAException {
    return driver.getTransactionTimeout();
  }

  @Override
  public boolean setTransactionTimeout(int seconds) throws XAException {
    return driver.setTransactionTimeout(seconds);
  }

  private XAException driverFailure(String call, RuntimeException e) {
    return XaErrors.of(
        XAException.XAER_RMERR, identity.name() + ": the driver failed in " + call + ": " + e, e);
  }

  @Override
  public XAResource getResource() {
    return driver;
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
    return "EnlistedXAResource[" + identity.name() + ", " + branch + "]";
  }
}
