package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pooled XA connection pinned to one transaction: the single branch this DataSource has in it.
 * Stored in the TransactionSynchronizationRegistry under the DataSource's key, so every
 * getConnection() in the same transaction (also after suspend and resume, on any thread) gets a
 * handle on this connection, and registered as an interposed synchronization, so that the
 * connection goes back to the pool only after completion (or when the last handle closes, if one is
 * still open then).
 */
final class XaTransactionBinding implements HandleOwner, Synchronization {
  private final TransactionContext transactions;
  private final ConnectionPool pool;
  private final Transaction transaction;
  private final PooledConnection pooled;
  private final EnlistedXAResource resource;
  private final String resourceName;
  private final AtomicInteger openHandles = new AtomicInteger();
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile boolean completed;
  private volatile boolean enlistmentFailed;
  private volatile boolean clean;
  private volatile boolean mayBePrepared;

  XaTransactionBinding(
      TransactionContext transactions,
      ConnectionPool pool,
      Transaction transaction,
      PooledConnection pooled,
      ResourceIdentity identity) {
    this.transactions = transactions;
    this.pool = pool;
    this.transaction = transaction;
    this.pooled = pooled;
    this.resourceName = identity.name();
    this.resource = new EnlistedXAResource(pooled.xaResource, identity);
  }

  EnlistedXAResource resource() {
    return resource;
  }

  ConnectionHandle newHandle() throws SQLException {
    if (enlistmentFailed) {
      throw new SQLException(
          "'" + resourceName + "' could not be enlisted in this transaction earlier; roll it back",
          "25000");
    }
    if (completed) {
      throw new SQLException(
          "the transaction '" + resourceName + "' was bound to has completed", "25000");
    }
    openHandles.incrementAndGet();
    return new ConnectionHandle(this);
  }

  /**
   * Enlisting failed: nobody else will use this connection. If the branch never started it is
   * clean; otherwise it is closed, which rolls back whatever the driver began.
   */
  void enlistmentFailed() {
    enlistmentFailed = true;
    if (released.compareAndSet(false, true)) {
      if (resource.branch() == EnlistedXAResource.Branch.NOT_STARTED) {
        pool.giveBack(pooled, true);
      } else {
        pool.evict(pooled);
      }
    }
  }

  @Override
  public Connection physical() {
    return pooled.connection;
  }

  @Override
  public PooledConnection pooled() {
    return pooled;
  }

  @Override
  public String resourceName() {
    return resourceName;
  }

  @Override
  public boolean enlisted() {
    return !completed;
  }

  @Override
  public void checkUsable() throws SQLException {
    if (completed) {
      throw new MisuseException(
          "this connection of '"
              + resourceName
              + "' belonged to a transaction that has completed; call getConnection() again",
          "25000");
    }
    Transaction current = transactions.current(resourceName);
    if (!transaction.equals(current)) {
      throw new MisuseException(
          "this connection of '"
              + resourceName
              + "' is enlisted in transaction "
              + transaction
              + " but the thread is "
              + (current == null ? "not in a transaction" : "in transaction " + current)
              + "; suspended transactions keep their connections until they are resumed",
          "25000");
    }
  }

  @Override
  public SQLException failed(SQLException e) {
    if (HandleOwner.isConnectionFailure(e, pooled.connection)) {
      pooled.broken = true;
    }
    if (!completed) {
      // pgjdbc's prepare answers XA_OK after a failed statement although PostgreSQL has rolled
      // the branch back; committing would then lose the branch silently. Never let it get there.
      TransactionContext.markRollbackOnly(transaction, resourceName, e);
    }
    return e;
  }

  @Override
  public void handleClosed(ConnectionHandle handle) {
    if (openHandles.decrementAndGet() == 0 && completed) {
      release();
    }
  }

  @Override
  public void beforeCompletion() {
    // Nothing: the transaction manager ends the branch itself before prepare.
  }

  @Override
  public void afterCompletion(int status) {
    switch (resource.branch()) {
      case NOT_STARTED, FINISHED -> clean = true;
      case ACTIVE, ENDED -> {
        // The manager never completed our branch. Its outcome is rollback unless it committed,
        // which it cannot have done without us.
        clean = status != Status.STATUS_COMMITTED && resource.rollbackLeftover();
      }
      case PREPARED, UNCERTAIN -> {
        clean = false;
        mayBePrepared = true;
      }
    }
    completed = true;
    if (openHandles.get() == 0) {
      release();
    }
  }

  private void release() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    if (clean) {
      pool.giveBack(pooled, true);
    } else {
      ConnectionPool.LOG.warn(
          "{}: branch {} did not finish on its connection ({}); the connection is taken out of the"
              + " pool and the branch is left to recovery",
          resourceName,
          resource.xid(),
          resource.branch());
      pool.retainUnfinished(pooled, resource.xid(), mayBePrepared);
    }
  }
}
