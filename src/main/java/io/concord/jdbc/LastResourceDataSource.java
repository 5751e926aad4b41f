package io.concord.jdbc;

import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.CommonDataSource;
import javax.sql.DataSource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceRecoveryRegistry;

/**
 * A non-XA {@link DataSource} (a HikariCP pool, say) whose connections join JTA transactions as the
 * <em>last resource</em>: inside a transaction the first {@code getConnection()} turns off
 * auto-commit and enlists the local transaction as an {@code org.jboss.tm.LastResource}, which the
 * transaction manager commits in one phase after every XA branch has prepared, and before it forces
 * its own commit decision. Sharing, deferred close, suspend/resume and the rollback-only guard work
 * as in {@link ConcordDataSource}. Pooling is the wrapped DataSource's job.
 *
 * <p>The window: if the process dies after the local commit and before the TM's decision is on
 * disk, the XA branches are in doubt with no commit record, and presumed abort would roll them back
 * although the last resource committed. With a {@linkplain Builder#markerTable marker table} the
 * local transaction also records its Xid, and the registered recovery resource tells the recovery
 * manager that the transaction committed. Without one, that crash leaves the databases
 * inconsistent; see docs/jdbc.md.
 */
public final class LastResourceDataSource extends EnlistingDataSource<LocalTransactionBinding> {
  private static final int MARKER_DELETE_BATCH = 500;
  private static final int MARKER_QUEUE_LIMIT = 100_000;

  private final DataSource delegate;
  private final MarkerTable markers;
  private final PerScanRecovery recovery;
  private final XAResourceRecoveryRegistry recoveryRegistry;
  private final ConcurrentLinkedQueue<Xid> finishedMarkers = new ConcurrentLinkedQueue<>();
  private final AtomicInteger finishedMarkerCount = new AtomicInteger();
  private final ScheduledExecutorService markerCleaner;
  private volatile boolean closed;

  private LastResourceDataSource(Builder builder, String name) {
    super(
        new ResourceIdentity(name),
        new TransactionContext(builder.transactionManager, builder.registry));
    this.delegate = builder.delegate;
    this.markers = builder.markerTable == null ? null : new MarkerTable(builder.markerTable);
    this.recoveryRegistry = builder.recoveryRegistry;
    if (markers != null) {
      this.recovery =
          new PerScanRecovery(() -> new MarkerRecoveryResource(delegate, identity, markers));
      String threadName = "concord-markers-" + name;
      this.markerCleaner =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> {
                Thread thread = new Thread(runnable, threadName);
                thread.setDaemon(true);
                return thread;
              });
      long period = builder.markerCleanupInterval.toNanos();
      markerCleaner.scheduleWithFixedDelay(
          this::deleteFinishedMarkersSafely, period, period, TimeUnit.NANOSECONDS);
      if (recoveryRegistry != null) {
        recoveryRegistry.addXAResourceRecovery(recovery);
      }
    } else {
      this.recovery = null;
      this.markerCleaner = null;
    }
  }

  /** Starts a builder wrapping {@code delegate}. */
  public static Builder builder(DataSource delegate) {
    return new Builder(Objects.requireNonNull(delegate, "delegate"));
  }

  /** The marker-table recovery hook, or empty without a marker table. */
  public java.util.Optional<XAResourceRecovery> xaResourceRecovery() {
    return java.util.Optional.ofNullable(recovery);
  }

  @Override
  boolean isClosed() {
    return closed;
  }

  @Override
  Connection nonTransactional() throws SQLException {
    Connection physical = delegate.getConnection();
    identity.learnFrom(physical);
    return new ConnectionHandle(new NonTransactionalLease(transactions, resourceName(), physical));
  }

  @Override
  LocalTransactionBinding bind(Transaction transaction) throws SQLException {
    Connection physical = delegate.getConnection();
    try {
      identity.learnFrom(physical);
      physical.setAutoCommit(false);
    } catch (SQLException e) {
      try {
        physical.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return new LocalTransactionBinding(
        transactions, this, transaction, physical, identity, markers);
  }

  @Override
  String enlistedAs() {
    return " as the last resource (a transaction takes at most one)";
  }

  @Override
  CommonDataSource connectionSource() {
    return delegate;
  }

  /** Called after a committed transaction: its marker served its purpose. */
  void markerNoLongerNeeded(Xid xid) {
    if (markers == null || xid == null) {
      return;
    }
    if (finishedMarkerCount.incrementAndGet() > MARKER_QUEUE_LIMIT) {
      // The database has been unreachable for long; recovery deletes what is left.
      finishedMarkerCount.decrementAndGet();
      return;
    }
    finishedMarkers.add(
        new RecordedXid(xid.getFormatId(), xid.getGlobalTransactionId(), xid.getBranchQualifier()));
  }

  private void deleteFinishedMarkersSafely() {
    try {
      deleteFinishedMarkers();
    } catch (RuntimeException e) {
      ConnectionPool.LOG.warn("{}: deleting finished markers failed", resourceName(), e);
    }
  }

  /**
   * Deletes the markers of transactions that completed, in batches, on a connection of its own
   * (never on a user's transaction). Markers of a crashed process stay until recovery deletes them
   * through commit/forget on the recovery resource.
   *
   * @return how many rows were deleted
   */
  int deleteFinishedMarkers() {
    int deleted = 0;
    while (!finishedMarkers.isEmpty()) {
      List<Xid> batch = new ArrayList<>();
      Xid xid;
      while (batch.size() < MARKER_DELETE_BATCH && (xid = finishedMarkers.poll()) != null) {
        batch.add(xid);
      }
      finishedMarkerCount.addAndGet(-batch.size());
      try (Connection connection = delegate.getConnection()) {
        connection.setAutoCommit(true);
        deleted += markers.delete(connection, batch);
      } catch (SQLException e) {
        finishedMarkers.addAll(batch);
        finishedMarkerCount.addAndGet(batch.size());
        ConnectionPool.LOG.warn(
            "{}: could not delete {} finished markers from {} (will retry): {}",
            resourceName(),
            batch.size(),
            markers.name(),
            e.getMessage());
        break;
      }
    }
    return deleted;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    if (iface.isInstance(delegate)) {
      return iface.cast(delegate);
    }
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || iface.isInstance(delegate) || delegate.isWrapperFor(iface);
  }

  /**
   * Unregisters from recovery and deletes the markers of finished transactions. The wrapped
   * DataSource stays open: it belongs to the caller.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (recovery != null) {
      if (recoveryRegistry != null) {
        recoveryRegistry.removeXAResourceRecovery(recovery);
      }
      recovery.close();
    }
    if (markerCleaner != null) {
      markerCleaner.shutdownNow();
      deleteFinishedMarkersSafely();
    }
  }

  @Override
  public String toString() {
    return "LastResourceDataSource[" + resourceName() + "]";
  }

  /** Configures a {@link LastResourceDataSource}. */
  public static final class Builder {
    private final DataSource delegate;
    private String resourceName;
    private TransactionManager transactionManager;
    private TransactionSynchronizationRegistry registry;
    private XAResourceRecoveryRegistry recoveryRegistry;
    private String markerTable;
    private boolean createMarkerTable;
    private Duration markerCleanupInterval = Duration.ofSeconds(5);

    private Builder(DataSource delegate) {
      this.delegate = delegate;
    }

    /** Required: the stable name of this resource in logs and recovery. */
    public Builder resourceName(String resourceName) {
      this.resourceName = resourceName;
      return this;
    }

    /** Required. */
    public Builder transactionManager(TransactionManager transactionManager) {
      this.transactionManager = transactionManager;
      return this;
    }

    /** Required. */
    public Builder synchronizationRegistry(TransactionSynchronizationRegistry registry) {
      this.registry = registry;
      return this;
    }

    /**
     * Optional: where the marker-table recovery resource is registered (needs {@link
     * #markerTable}).
     */
    public Builder recoveryRegistry(XAResourceRecoveryRegistry recoveryRegistry) {
      this.recoveryRegistry = recoveryRegistry;
      return this;
    }

    /**
     * Optional: the table (in the wrapped database) where each committing local transaction records
     * its Xid; this closes the last-resource crash window (default none).
     */
    public Builder markerTable(String markerTable) {
      this.markerTable = markerTable;
      return this;
    }

    /** Create the marker table at build() if it does not exist (default false). */
    public Builder createMarkerTable(boolean createMarkerTable) {
      this.createMarkerTable = createMarkerTable;
      return this;
    }

    /** How often markers of completed transactions are deleted (default 5 s). */
    public Builder markerCleanupInterval(Duration markerCleanupInterval) {
      this.markerCleanupInterval = markerCleanupInterval;
      return this;
    }

    /**
     * Validates the configuration; creates the marker table if asked to.
     *
     * @throws IllegalStateException when the marker table cannot be created or read
     */
    public LastResourceDataSource build() {
      String name = ResourceIdentity.validate("LastResourceDataSource", resourceName);
      String where = "LastResourceDataSource '" + name + "': ";
      if (transactionManager == null) {
        throw new IllegalArgumentException(where + "transactionManager is required");
      }
      if (registry == null) {
        throw new IllegalArgumentException(
            where
                + "synchronizationRegistry (the TM's TransactionSynchronizationRegistry) is required");
      }
      ConcordDataSource.Builder.positive(where, "markerCleanupInterval", markerCleanupInterval);
      if (markerTable != null) {
        MarkerTable.validateName(where, markerTable);
        MarkerTable table = new MarkerTable(markerTable);
        try (Connection connection = delegate.getConnection()) {
          if (!connection.getAutoCommit()) {
            connection.setAutoCommit(true);
          }
          if (createMarkerTable) {
            table.create(connection);
          }
          table.check(connection);
        } catch (SQLException e) {
          throw new IllegalStateException(
              where
                  + "marker table "
                  + markerTable
                  + " is not usable ("
                  + e.getMessage()
                  + "); create it with: "
                  + table.createIfMissing(),
              e);
        }
      } else if (createMarkerTable) {
        throw new IllegalArgumentException(
            where + "createMarkerTable(true) needs markerTable(name)");
      } else if (recoveryRegistry != null) {
        throw new IllegalArgumentException(
            where
                + "recoveryRegistry is only used with a marker table; without one there is"
                + " nothing to recover");
      }
      return new LastResourceDataSource(this, name);
    }
  }
}
