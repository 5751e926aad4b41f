package io.concord.jdbc;

import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAResource;

/**
 * One physical connection pinned to one transaction: the single branch (or the last resource) its
 * DataSource has in it. Stored in the TransactionSynchronizationRegistry under the DataSource's
 * key, so every getConnection() in the same transaction (also after suspend and resume, on any
 * thread) gets a handle on this connection, and registered as an interposed synchronization, so
 * that the connection is released only after completion (or when the last handle closes, if one is
 * still open then). Subclasses say what the enlisted resource is and what releasing means.
 */
abstract class TransactionBinding implements HandleOwner, Synchronization {
  final TransactionContext transactions;
  final Transaction transaction;
  final String resourceName;
  private final AtomicInteger openHandles = new AtomicInteger();
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile boolean completed;
  private volatile boolean enlistmentFailed;

  TransactionBinding(TransactionContext transactions, Transaction transaction, String name) {
    this.transactions = transactions;
    this.transaction = transaction;
    this.resourceName = name;
  }

  /** The resource enlisted in the transaction for this connection. */
  abstract XAResource resource();

  /** Inspects the outcome before the binding counts as completed (afterCompletion). */
  abstract void completing(int status);

  /** Gives the connection back (clean) or sets it aside; called exactly once. */
  abstract void releaseConnection();

  /** Enlisting failed and nobody else will use this connection; called at most once. */
  abstract void abandonConnection();

  final ConnectionHandle newHandle() throws SQLException {
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

  final void enlistmentFailed() {
    enlistmentFailed = true;
    if (released.compareAndSet(false, true)) {
      abandonConnection();
    }
  }

  final boolean completed() {
    return completed;
  }

  @Override
  public final String resourceName() {
    return resourceName;
  }

  @Override
  public final boolean enlisted() {
    return !completed;
  }

  @Override
  public final void checkUsable() throws SQLException {
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
    if (!completed) {
      // pgjdbc's prepare answers XA_OK after a failed statement although PostgreSQL has rolled
      // the branch back; committing would then lose the branch silently. Never let it get there.
      TransactionContext.markRollbackOnly(transaction, resourceName, e);
    }
    return e;
  }

  @Override
  public final void handleClosed(ConnectionHandle handle) {
    if (openHandles.decrementAndGet() == 0 && completed) {
      release();
    }
  }

  @Override
  public void beforeCompletion() {
    // Nothing: the transaction manager ends, prepares and completes the resource itself.
  }

  @Override
  public final void afterCompletion(int status) {
    completing(status);
    completed = true;
    if (openHandles.get() == 0) {
      release();
    }
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      releaseConnection();
    }
  }
}
