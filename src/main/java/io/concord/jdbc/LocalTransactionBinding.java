package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection of a wrapped non-XA DataSource pinned to one transaction, its local transaction
 * enlisted as the last resource (see {@link TransactionBinding}). Released by restoring auto-commit
 * and closing it, which returns it to the wrapped pool.
 */
final class LocalTransactionBinding extends TransactionBinding {
  private final LastResourceDataSource owner;
  private final Connection connection;
  private final LocalTransactionResource resource;

  LocalTransactionBinding(
      TransactionContext transactions,
      LastResourceDataSource owner,
      Transaction transaction,
      Connection connection,
      ResourceIdentity identity,
      MarkerTable markers) {
    super(transactions, transaction, identity.name());
    this.owner = owner;
    this.connection = connection;
    this.resource = new LocalTransactionResource(connection, identity, markers);
  }

  @Override
  LocalTransactionResource resource() {
    return resource;
  }

  @Override
  void abandonConnection() {
    releaseConnection();
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
  void completing(int status) {
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
  }

  @Override
  void releaseConnection() {
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
