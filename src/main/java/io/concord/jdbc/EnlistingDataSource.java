package io.concord.jdbc;

import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.CommonDataSource;
import javax.sql.DataSource;

/**
 * What {@link ConcordDataSource} and {@link LastResourceDataSource} share: handing out a handle on
 * the transaction's own connection inside a transaction (binding, registering and enlisting it the
 * first time), a plain connection outside one, and refusing when the thread's transaction can no
 * longer take work. Subclasses say where connections come from and what is enlisted.
 *
 * @param <B> the binding of a connection to a transaction
 */
abstract class EnlistingDataSource<B extends TransactionBinding>
    implements DataSource, AutoCloseable {
  final ResourceIdentity identity;
  final TransactionContext transactions;

  /** This DataSource's key in the TransactionSynchronizationRegistry; identity equality. */
  private final Object bindingKey = new Object();

  private volatile PrintWriter logWriter;

  EnlistingDataSource(ResourceIdentity identity, TransactionContext transactions) {
    this.identity = identity;
    this.transactions = transactions;
  }

  /** The stable resource name: written in the transaction log, used by recovery. */
  public final String resourceName() {
    return identity.name();
  }

  /** Closes the DataSource; it hands out no connections afterwards. Throws nothing. */
  @Override
  public abstract void close();

  /** Whether {@link #close()} was called. */
  abstract boolean isClosed();

  /** A connection outside any transaction: auto-commit, refused later inside one. */
  abstract Connection nonTransactional() throws SQLException;

  /** Takes a connection for {@code transaction} and binds it (not yet registered or enlisted). */
  abstract B bind(Transaction transaction) throws SQLException;

  /** How the enlisted resource takes part, for messages: "" or " as the last resource". */
  abstract String enlistedAs();

  /** Where connections come from, for the login timeout. */
  abstract CommonDataSource connectionSource();

  @Override
  public final Connection getConnection() throws SQLException {
    if (isClosed()) {
      throw new SQLException("'" + resourceName() + "' is closed", "08003");
    }
    Transaction transaction = transactions.current(resourceName());
    if (transaction != null) {
      int status = TransactionContext.status(transaction, resourceName());
      if (status == Status.STATUS_ACTIVE || status == Status.STATUS_MARKED_ROLLBACK) {
        return transactional(transaction, status);
      }
      if (status != Status.STATUS_NO_TRANSACTION && status != Status.STATUS_COMMITTED) {
        // A rolled-back (timed-out) transaction still on the thread: an auto-commit connection
        // now would write outside the transaction the caller believes it is in.
        throw new SQLException(
            "'"
                + resourceName()
                + "' cannot hand out a connection while the thread's transaction is "
                + TransactionContext.statusName(status)
                + (status == Status.STATUS_ROLLEDBACK || status == Status.STATUS_ROLLING_BACK
                    ? " (it was rolled back, perhaps by its timeout)"
                    : ""),
            "25000");
      }
    }
    return nonTransactional();
  }

  private Connection transactional(Transaction transaction, int status) throws SQLException {
    TransactionBinding existing;
    try {
      existing = (TransactionBinding) transactions.registry.getResource(bindingKey);
    } catch (IllegalStateException e) {
      throw new SQLException(
          "'" + resourceName() + "': the transaction is no longer active", "25000", e);
    }
    if (existing != null) {
      return existing.newHandle();
    }
    if (status == Status.STATUS_MARKED_ROLLBACK) {
      throw new SQLException(
          "'"
              + resourceName()
              + "' is not enlisted in a transaction that is already marked rollback-only",
          "25000");
    }
    B binding = bind(transaction);
    try {
      transactions.registry.registerInterposedSynchronization(binding);
      transactions.registry.putResource(bindingKey, binding);
    } catch (RuntimeException e) {
      binding.enlistmentFailed();
      throw new SQLException(
          "'" + resourceName() + "' could not register with the transaction: " + e, "25000", e);
    }
    boolean enlisted;
    try {
      enlisted = transaction.enlistResource(binding.resource());
    } catch (RollbackException | SystemException | IllegalStateException e) {
      binding.enlistmentFailed();
      throw new SQLException(
          "'" + resourceName() + "' could not be enlisted" + enlistedAs() + ": " + e, "25000", e);
    }
    if (!enlisted) {
      binding.enlistmentFailed();
      throw new SQLException(
          "the transaction manager refused to enlist '" + resourceName() + "'" + enlistedAs(),
          "25000");
    }
    return binding.newHandle();
  }

  /** Not supported: the user is configured on the wrapped DataSource. */
  @Override
  public final Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "'"
            + resourceName()
            + "' hands out connections of the user configured on the DataSource it wraps;"
            + " getConnection(user, password) is not supported");
  }

  @Override
  public final PrintWriter getLogWriter() {
    return logWriter;
  }

  @Override
  public final void setLogWriter(PrintWriter out) {
    this.logWriter = out;
  }

  /**
   * Login timeouts belong to the wrapped DataSource (the pool's acquisition timeout is separate).
   */
  @Override
  public final void setLoginTimeout(int seconds) throws SQLException {
    connectionSource().setLoginTimeout(seconds);
  }

  @Override
  public final int getLoginTimeout() throws SQLException {
    return connectionSource().getLoginTimeout();
  }

  @Override
  public final Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("Concord logs through SLF4J");
  }
}
