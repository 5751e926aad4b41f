package io.concord.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection handed out outside any transaction: auto-commit, returned (to the pool, or to the
 * wrapped DataSource by closing it) when the handle closes. Using it once a transaction is active
 * on the thread is an error, because its work would silently not be part of that transaction.
 */
final class NonTransactionalLease implements HandleOwner {
  private final TransactionContext transactions;
  private final String resourceName;
  private final Connection physical;
  private final PooledConnection pooled;
  private final ConnectionPool pool;
  private final AtomicBoolean released = new AtomicBoolean();

  /** A lease of a pooled XA connection. */
  NonTransactionalLease(
      TransactionContext transactions, ConnectionPool pool, PooledConnection pooled) {
    this.transactions = transactions;
    this.resourceName = pool.name();
    this.physical = pooled.connection;
    this.pooled = pooled;
    this.pool = pool;
  }

  /** A lease of a connection of a wrapped (non-XA) DataSource, closed when the handle closes. */
  NonTransactionalLease(TransactionContext transactions, String resourceName, Connection physical) {
    this.transactions = transactions;
    this.resourceName = resourceName;
    this.physical = physical;
    this.pooled = null;
    this.pool = null;
  }

  @Override
  public Connection physical() {
    return physical;
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
    return false;
  }

  @Override
  public void checkUsable() throws SQLException {
    if (transactions.transactionInProgress(resourceName)) {
      throw new MisuseException(
          "a connection of '"
              + resourceName
              + "' obtained outside any transaction is being used inside one; its work would not"
              + " be part of the transaction. Close it and call getConnection() inside the"
              + " transaction",
          "25000");
    }
  }

  @Override
  public SQLException failed(SQLException e) {
    if (pooled != null && HandleOwner.isConnectionFailure(e, physical)) {
      pooled.broken = true;
    }
    return e;
  }

  @Override
  public void handleClosed(ConnectionHandle handle) {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    if (pool != null) {
      pool.giveBack(pooled, false);
      return;
    }
    try {
      physical.close();
    } catch (SQLException e) {
      ConnectionPool.LOG.debug("{}: closing a connection failed: {}", resourceName, e.toString());
    }
  }
}
