package io.concord.jdbc;

import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.CommonDataSource;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceRecoveryRegistry;

/**
 * A pooled {@link DataSource} over any {@link XADataSource} whose connections take part in the
 * current JTA transaction of any transaction manager.
 *
 * <ul>
 *   <li>Inside a transaction, the first {@code getConnection()} borrows a physical connection and
 *       enlists its XAResource (named {@link #resourceName()} through {@code
 *       org.jboss.tm.XAResourceWrapper#getJndiName()}); every further call in the same transaction
 *       returns a new handle on that same connection: one branch per database, never TMJOIN.
 *       Closing a handle is deferred; the connection returns to the pool after the transaction
 *       completes. A suspended transaction keeps its connection; the transaction that runs
 *       meanwhile gets another one.
 *   <li>Any SQLException on an enlisted connection marks the transaction rollback-only.
 *   <li>Outside a transaction, connections are plain auto-commit connections. Using one inside a
 *       transaction later fails with an SQLException instead of writing outside the transaction.
 * </ul>
 *
 * <p>Build one with {@link #builder(XADataSource)}; {@link #close()} closes the pool.
 */
public final class ConcordDataSource extends EnlistingDataSource<XaTransactionBinding> {
  private final XADataSource xaDataSource;
  private final ConnectionPool pool;
  private final PerScanRecovery recovery;
  private final XAResourceRecoveryRegistry recoveryRegistry;

  private ConcordDataSource(Builder builder, PoolSettings settings) {
    super(
        new ResourceIdentity(settings.name()).gatedFor(builder.xaDataSource),
        new TransactionContext(builder.transactionManager, builder.registry));
    this.xaDataSource = builder.xaDataSource;
    this.pool = new ConnectionPool(settings, xaDataSource);
    this.recovery = new PerScanRecovery(() -> new RecoveryXAResource(xaDataSource, identity));
    this.recoveryRegistry = builder.recoveryRegistry;
    if (recoveryRegistry != null) {
      recoveryRegistry.addXAResourceRecovery(recovery);
    }
  }

  /** Starts a builder for a pool over {@code xaDataSource}. */
  public static Builder builder(XADataSource xaDataSource) {
    return new Builder(Objects.requireNonNull(xaDataSource, "xaDataSource"));
  }

  /** Gauges and counters of the pool right now. */
  public PoolMetrics metrics() {
    return pool.metrics();
  }

  /**
   * The recovery hook of this DataSource, for registering with a recovery manager by hand (the
   * builder's {@code recoveryRegistry} does it automatically). Each {@code getXAResources()} call
   * returns a resource on a fresh connection; see {@link PerScanRecovery} for when it closes.
   */
  public XAResourceRecovery xaResourceRecovery() {
    return recovery;
  }

  @Override
  boolean isClosed() {
    return pool.isClosed();
  }

  @Override
  Connection nonTransactional() throws SQLException {
    PooledConnection pooled = pool.borrow();
    identity.learnFrom(pooled.connection);
    return new ConnectionHandle(new NonTransactionalLease(transactions, pool, pooled));
  }

  @Override
  XaTransactionBinding bind(Transaction transaction) throws SQLException {
    PooledConnection pooled = pool.borrow();
    identity.learnFrom(pooled.connection);
    return new XaTransactionBinding(transactions, pool, transaction, pooled, identity);
  }

  @Override
  String enlistedAs() {
    return "";
  }

  @Override
  CommonDataSource connectionSource() {
    return xaDataSource;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    if (iface.isInstance(xaDataSource)) {
      return iface.cast(xaDataSource);
    }
    throw new SQLException(resourceName() + " does not wrap a " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this) || iface.isInstance(xaDataSource);
  }

  /** Number of H2 connections set aside with an unfinished prepared branch (for tests, ops). */
  int quarantinedConnections() {
    return pool.quarantinedCount();
  }

  void housekeepNow() {
    pool.housekeep();
  }

  /**
   * Unregisters from recovery and closes the pool: idle connections now, connections in use when
   * they come back.
   */
  @Override
  public void close() {
    if (recoveryRegistry != null) {
      recoveryRegistry.removeXAResourceRecovery(recovery);
    }
    recovery.close();
    pool.close();
  }

  @Override
  public String toString() {
    return "ConcordDataSource[" + resourceName() + "]";
  }

  /** Configures a {@link ConcordDataSource}; every knob has a default except the three services. */
  public static final class Builder {
    private final XADataSource xaDataSource;
    private String resourceName;
    private TransactionManager transactionManager;
    private TransactionSynchronizationRegistry registry;
    private XAResourceRecoveryRegistry recoveryRegistry;
    private int minSize = 0;
    private int maxSize = 10;
    private Duration acquisitionTimeout = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration maxLifetime = Duration.ofMinutes(30);
    private Duration validateIdleAfter = Duration.ofMillis(500);
    private Duration validationTimeout = Duration.ofSeconds(5);
    private String validationQuery;
    private Duration leakDetectionThreshold = Duration.ZERO;
    private Duration housekeepingPeriod = Duration.ofSeconds(30);

    private Builder(XADataSource xaDataSource) {
      this.xaDataSource = xaDataSource;
    }

    /**
     * Required. The stable name of this database for the transaction manager's log and for
     * recovery: keep it unchanged across restarts and unique among the DataSources of one TM.
     */
    public Builder resourceName(String resourceName) {
      this.resourceName = resourceName;
      return this;
    }

    /** Required: the TM whose transactions connections join. */
    public Builder transactionManager(TransactionManager transactionManager) {
      this.transactionManager = transactionManager;
      return this;
    }

    /** Required: the TM's registry (per-transaction connection, interposed completion). */
    public Builder synchronizationRegistry(TransactionSynchronizationRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Optional: registers this DataSource for crash recovery, unregistered on close(). */
    public Builder recoveryRegistry(XAResourceRecoveryRegistry recoveryRegistry) {
      this.recoveryRegistry = recoveryRegistry;
      return this;
    }

    /** Connections kept open even when idle (default 0). */
    public Builder minSize(int minSize) {
      this.minSize = minSize;
      return this;
    }

    /** Most connections open at once (default 10). */
    public Builder maxSize(int maxSize) {
      this.maxSize = maxSize;
      return this;
    }

    /** How long getConnection() waits for a free connection (default 30 s). */
    public Builder acquisitionTimeout(Duration acquisitionTimeout) {
      this.acquisitionTimeout = acquisitionTimeout;
      return this;
    }

    /** Idle connections above minSize are closed after this (default 10 min; zero: never). */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** Connections are retired after this age, when next idle (default 30 min; zero: never). */
    public Builder maxLifetime(Duration maxLifetime) {
      this.maxLifetime = maxLifetime;
      return this;
    }

    /**
     * A connection idle at least this long is validated before it is handed out (default 500 ms;
     * zero: on every borrow).
     */
    public Builder validateIdleAfter(Duration validateIdleAfter) {
      this.validateIdleAfter = validateIdleAfter;
      return this;
    }

    /** Time limit of one validation (default 5 s). */
    public Builder validationTimeout(Duration validationTimeout) {
      this.validationTimeout = validationTimeout;
      return this;
    }

    /** SQL run to validate a connection; default none: the driver's {@code isValid()}. */
    public Builder validationQuery(String validationQuery) {
      this.validationQuery = validationQuery;
      return this;
    }

    /**
     * A connection held longer than this (outside a transaction: until closed; inside: until the
     * transaction completes) is logged as a possible leak with the borrower's stack trace (default
     * zero: off; recording the stack trace costs a few microseconds per borrow).
     */
    public Builder leakDetectionThreshold(Duration leakDetectionThreshold) {
      this.leakDetectionThreshold = leakDetectionThreshold;
      return this;
    }

    /** How often idle, expired and leaked connections are looked for (default 30 s). */
    public Builder housekeepingPeriod(Duration housekeepingPeriod) {
      this.housekeepingPeriod = housekeepingPeriod;
      return this;
    }

    /** Validates the configuration and starts the pool (it opens minSize connections). */
    public ConcordDataSource build() {
      String name = ResourceIdentity.validate("ConcordDataSource", resourceName);
      String where = "ConcordDataSource '" + name + "': ";
      if (transactionManager == null) {
        throw new IllegalArgumentException(where + "transactionManager is required");
      }
      if (registry == null) {
        throw new IllegalArgumentException(
            where
                + "synchronizationRegistry (the TM's TransactionSynchronizationRegistry) is required");
      }
      if (maxSize < 1) {
        throw new IllegalArgumentException(where + "maxSize must be at least 1, was " + maxSize);
      }
      if (minSize < 0 || minSize > maxSize) {
        throw new IllegalArgumentException(
            where + "minSize must be between 0 and maxSize (" + maxSize + "), was " + minSize);
      }
      positive(where, "acquisitionTimeout", acquisitionTimeout);
      notNegative(where, "idleTimeout", idleTimeout);
      notNegative(where, "maxLifetime", maxLifetime);
      notNegative(where, "validateIdleAfter", validateIdleAfter);
      positive(where, "validationTimeout", validationTimeout);
      notNegative(where, "leakDetectionThreshold", leakDetectionThreshold);
      positive(where, "housekeepingPeriod", housekeepingPeriod);
      if (validationQuery != null && validationQuery.isBlank()) {
        throw new IllegalArgumentException(where + "validationQuery must not be blank");
      }
      PoolSettings settings =
          new PoolSettings(
              name,
              minSize,
              maxSize,
              acquisitionTimeout,
              idleTimeout,
              maxLifetime,
              validateIdleAfter,
              validationTimeout,
              validationQuery,
              leakDetectionThreshold,
              housekeepingPeriod);
      return new ConcordDataSource(this, settings);
    }

    static void positive(String where, String knob, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(where + knob + " must be positive, was " + value);
      }
    }

    static void notNegative(String where, String knob, Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException(
            where + knob + " must be zero or positive, was " + value);
      }
    }
  }
}
