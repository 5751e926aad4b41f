package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One pooled XA connection pinned to one transaction: the single branch this DataSource has in it
 * (see {@link TransactionBinding}). After completion the connection goes back to the pool when its
 * branch finished on it, and is set aside for recovery when it did not.
 */
final class XaTransactionBinding extends TransactionBinding {
  private final ConnectionPool pool;
  private final PooledConnection pooled;
  private final EnlistedXAResource resource;
  private volatile boolean clean;
  private volatile boolean mayBePrepared;

  XaTransactionBinding(
      TransactionContext transactions,
      ConnectionPool pool,
      Transaction transaction,
      PooledConnection pooled,
      ResourceIdentity identity) {
    super(transactions, transaction, identity.name());
    this.pool = pool;
    this.pooled = pooled;
    this.resource = new EnlistedXAResource(pooled.xaResource, identity);
  }

  @Override
  EnlistedXAResource resource() {
    return resource;
  }

  /**
   * If the branch never started the connection is clean; otherwise it is closed, which rolls back
   * whatever the driver began.
   */
  @Override
  void abandonConnection() {
    if (resource.branch() == EnlistedXAResource.Branch.NOT_STARTED) {
      pool.giveBack(pooled, true);
    } else {
      pool.evict(pooled);
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
  public SQLException failed(SQLException e) {
    if (HandleOwner.isConnectionFailure(e, pooled.connection)) {
      pooled.broken = true;
    }
    return super.failed(e);
  }

  @Override
  void completing(int status) {
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
  }

  @Override
  void releaseConnection() {
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
