package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection of a wrapped non-XA DataSource pinned to one transaction, its local transaction
 * enlisted as the last resource. Shaped like {@link XaTransactionBinding}: one per transaction,
 * found through the TSR, released after completion (or when the last handle closes).
 */
final class LocalTransactionBinding implements HandleOwner, Synchronization {
  private final TransactionContext transactions;
  private final LastResourceDataSource owner;
  private final Transaction transaction;
  private final Connection connection;
  private final LocalTransactionResource resource;
  private final String resourceName;
  private final AtomicInteger openHandles = new AtomicInteger();
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile boolean completed;
  private volatile boolean enlistmentFailed;

  LocalTransactionBinding(
      TransactionContext transactions,
      LastResourceDataSource owner,
      Transaction transaction,
      Connection connection,
      ResourceIdentity identity,
      MarkerTable markers) {
    this.transactions = transactions;
    this.owner = owner;
    this.transaction = transaction;
    this.connection = connection;
    this.resourceName = identity.name();
    this.resource = new LocalTransactionResource(connection, identity, markers);
  }

  LocalTransactionResource resource() {
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

  void enlistmentFailed() {
    enlistmentFailed = true;
    release();
  }

  @Override
  public Connection physical() {
    return connection;
  }

  @Override
  public PooledConnection pooled() {
    return null;
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
              + (current == null ? "not in a transaction" : "in transaction " + current),
          "25000");
    }
  }

  @Override
  public SQLException failed(SQLException e) {
    if (!completed) {
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
    // Nothing: the transaction manager commits the last resource itself.
  }

  @Override
  public void afterCompletion(int status) {
    if (resource.outcome() == LocalTransactionResource.Outcome.OPEN) {
      // The manager never committed or rolled us back (for example it failed before reaching
      // the last resource): the local transaction must not survive into the next borrower.
      try {
        connection.rollback();
      } catch (SQLException e) {
        ConnectionPool.LOG.debug(
            "{}: rollback after completion failed: {}", resourceName, e.toString());
      }
    }
    if (status == Status.STATUS_COMMITTED
        && resource.outcome() == LocalTransactionResource.Outcome.COMMITTED) {
      owner.markerNoLongerNeeded(resource.xid());
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
    try {
      if (!connection.isClosed()) {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      ConnectionPool.LOG.debug("{}: restoring auto-commit failed: {}", resourceName, e.toString());
    }
    try {
      connection.close();
    } catch (SQLException e) {
      ConnectionPool.LOG.debug("{}: closing a connection failed: {}", resourceName, e.toString());
    }
  }
}
