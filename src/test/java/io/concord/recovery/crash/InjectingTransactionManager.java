package io.concord.recovery.crash;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.util.Map;
import java.util.WeakHashMap;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceWrapper;

/**
 * The TransactionManager handed to the DataSources of the crash tests: the real Concord TM, except
 * that every XAResource a DataSource enlists reaches the TM wrapped, so that the {@link
 * CrashInjector} sees each prepare and phase-2 commit the TM makes. The pool and the TM otherwise
 * behave exactly as in production (the pool still sees its own driver objects; the TM still learns
 * the resource name through {@link XAResourceWrapper}).
 */
final class InjectingTransactionManager implements TransactionManager {
  private final TransactionManager tm;
  private final CrashInjector injector;
  private final Map<XAResource, XAResource> wrappers = new WeakHashMap<>();

  InjectingTransactionManager(TransactionManager tm, CrashInjector injector) {
    this.tm = tm;
    this.injector = injector;
  }

  private XAResource wrap(XAResource resource) {
    synchronized (wrappers) {
      return wrappers.computeIfAbsent(
          resource,
          r ->
              r instanceof LastResource
                  ? new InjectingLastResource((XAResourceWrapper) r)
                  : new InjectingResource((XAResourceWrapper) r));
    }
  }

  private Transaction wrap(Transaction transaction) {
    return transaction == null ? null : new InjectingTransaction(transaction);
  }

  @Override
  public void begin() throws NotSupportedException, SystemException {
    tm.begin();
  }

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    tm.commit();
  }

  @Override
  public int getStatus() throws SystemException {
    return tm.getStatus();
  }

  @Override
  public Transaction getTransaction() throws SystemException {
    return wrap(tm.getTransaction());
  }

  @Override
  public void resume(Transaction transaction)
      throws InvalidTransactionException, IllegalStateException, SystemException {
    tm.resume(transaction instanceof InjectingTransaction t ? t.delegate : transaction);
  }

  @Override
  public void rollback() throws IllegalStateException, SecurityException, SystemException {
    tm.rollback();
  }

  @Override
  public void setRollbackOnly() throws IllegalStateException, SystemException {
    tm.setRollbackOnly();
  }

  @Override
  public void setTransactionTimeout(int seconds) throws SystemException {
    tm.setTransactionTimeout(seconds);
  }

  @Override
  public Transaction suspend() throws SystemException {
    return wrap(tm.suspend());
  }

  private final class InjectingTransaction implements Transaction {
    final Transaction delegate;

    InjectingTransaction(Transaction delegate) {
      this.delegate = delegate;
    }

    @Override
    public void commit()
        throws RollbackException,
            HeuristicMixedException,
            HeuristicRollbackException,
            SecurityException,
            IllegalStateException,
            SystemException {
      delegate.commit();
    }

    @Override
    public boolean delistResource(XAResource resource, int flag)
        throws IllegalStateException, SystemException {
      return delegate.delistResource(wrap(resource), flag);
    }

    @Override
    public boolean enlistResource(XAResource resource)
        throws RollbackException, IllegalStateException, SystemException {
      return delegate.enlistResource(wrap(resource));
    }

    @Override
    public int getStatus() throws SystemException {
      return delegate.getStatus();
    }

    @Override
    public void registerSynchronization(Synchronization sync)
        throws RollbackException, IllegalStateException, SystemException {
      delegate.registerSynchronization(sync);
    }

    @Override
    public void rollback() throws IllegalStateException, SystemException {
      delegate.rollback();
    }

    @Override
    public void setRollbackOnly() throws IllegalStateException, SystemException {
      delegate.setRollbackOnly();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof InjectingTransaction t
          ? delegate.equals(t.delegate)
          : delegate.equals(other);
    }

    @Override
    public int hashCode() {
      return delegate.hashCode();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  /** A last resource stays one for the TM, and its one-phase commit is reported. */
  private final class InjectingLastResource extends InjectingResource implements LastResource {
    InjectingLastResource(XAResourceWrapper delegate) {
      super(delegate);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      if (!onePhase) {
        super.commit(xid, false);
        return;
      }
      if (injector.beforeLastResourceCommit(delegate.getJndiName(), xid)) {
        delegate.commit(xid, true);
      } else {
        XAException e = new XAException("injected: the commit never reached the database");
        e.errorCode = XAException.XAER_RMFAIL;
        throw e;
      }
      injector.afterLastResourceCommit(delegate.getJndiName(), xid);
    }
  }

  /** The enlisted resource as the TM sees it: same name, every call forwarded, events reported. */
  private class InjectingResource implements XAResourceWrapper {
    final XAResourceWrapper delegate;

    InjectingResource(XAResourceWrapper delegate) {
      this.delegate = delegate;
    }

    @Override
    public int prepare(Xid xid) throws XAException {
      int vote = delegate.prepare(xid);
      injector.afterPrepare(delegate.getJndiName(), xid);
      return vote;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      if (onePhase) {
        delegate.commit(xid, true);
        return;
      }
      injector.beforeCommit(delegate.getJndiName(), xid);
      delegate.commit(xid, false);
      injector.afterCommit(delegate.getJndiName(), xid);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
      delegate.start(xid, flags);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
      delegate.end(xid, flags);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
      delegate.rollback(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
      delegate.forget(xid);
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
      return delegate.recover(flag);
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
      return other == this;
    }

    @Override
    public int getTransactionTimeout() throws XAException {
      return delegate.getTransactionTimeout();
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
      return delegate.setTransactionTimeout(seconds);
    }

    @Override
    public XAResource getResource() {
      return delegate.getResource();
    }

    @Override
    public String getProductName() {
      return delegate.getProductName();
    }

    @Override
    public String getProductVersion() {
      return delegate.getProductVersion();
    }

    @Override
    public String getJndiName() {
      return delegate.getJndiName();
    }
  }
}
