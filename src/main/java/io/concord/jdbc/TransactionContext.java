package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.SQLException;

/**
 * The two standard JTA services a DataSource needs: the TransactionManager (which transaction is on
 * this thread, enlistment) and the TransactionSynchronizationRegistry (per-transaction resources,
 * interposed synchronizations). Nothing here is specific to one TM.
 */
final class TransactionContext {
  final TransactionManager transactionManager;
  final TransactionSynchronizationRegistry registry;

  TransactionContext(
      TransactionManager transactionManager, TransactionSynchronizationRegistry registry) {
    this.transactionManager = transactionManager;
    this.registry = registry;
  }

  Transaction current(String resourceName) throws SQLException {
    try {
      return transactionManager.getTransaction();
    } catch (SystemException e) {
      throw new SQLException(
          resourceName + ": the transaction manager could not tell the current transaction", e);
    }
  }

  static int status(Transaction transaction, String resourceName) throws SQLException {
    try {
      return transaction.getStatus();
    } catch (SystemException e) {
      throw new SQLException(
          resourceName + ": the transaction manager could not tell the transaction's status", e);
    }
  }

  /** Whether the thread is (or believes it is) inside a transaction. */
  boolean transactionInProgress(String resourceName) throws SQLException {
    Transaction transaction = current(resourceName);
    if (transaction == null) {
      return false;
    }
    int status = status(transaction, resourceName);
    // After commit (afterCompletion callbacks) work is outside by design; after a rollback the
    // caller still believes it is inside a transaction, so it counts as one.
    return status != Status.STATUS_NO_TRANSACTION && status != Status.STATUS_COMMITTED;
  }

  static String statusName(int status) {
    return switch (status) {
      case Status.STATUS_ACTIVE -> "ACTIVE";
      case Status.STATUS_MARKED_ROLLBACK -> "MARKED_ROLLBACK";
      case Status.STATUS_PREPARED -> "PREPARED";
      case Status.STATUS_COMMITTED -> "COMMITTED";
      case Status.STATUS_ROLLEDBACK -> "ROLLEDBACK";
      case Status.STATUS_UNKNOWN -> "UNKNOWN";
      case Status.STATUS_NO_TRANSACTION -> "NO_TRANSACTION";
      case Status.STATUS_PREPARING -> "PREPARING";
      case Status.STATUS_COMMITTING -> "COMMITTING";
      case Status.STATUS_ROLLING_BACK -> "ROLLING_BACK";
      default -> "status " + status;
    };
  }

  /** Marks the transaction rollback-only; failures are logged, never thrown over the cause. */
  static void markRollbackOnly(Transaction transaction, String resourceName, SQLException cause) {
    try {
      transaction.setRollbackOnly();
      ConnectionPool.LOG.debug(
          "{}: marked the transaction rollback-only after: {}", resourceName, cause.toString());
    } catch (IllegalStateException | SystemException e) {
      ConnectionPool.LOG.warn(
          "{}: could not mark the transaction rollback-only after an SQL error ({}): {}",
          resourceName,
          cause.toString(),
          e.toString());
    }
  }
}
