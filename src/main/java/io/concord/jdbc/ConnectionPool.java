package io.concord.jdbc;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The physical connections of one {@link ConcordDataSource}: a lock-free bag in the style of
 * HikariCP's ConcurrentBag. Borrowers first look at the connections their own thread returned last,
 * then scan the shared list, claiming an entry with one compare-and-set; when nothing is idle they
 * open a connection themselves (if below the maximum) or wait on a hand-off queue that returning
 * threads feed while anyone waits. No lock is held around I/O, so virtual threads never pin here.
 */
final class ConnectionPool implements AutoCloseable {
  static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

  private static final long MAX_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final int RECENT_PER_THREAD = 8;

  private final PoolSettings settings;
  private final XADataSource source;
  private final CopyOnWriteArrayList<PooledConnection> connections = new CopyOnWriteArrayList<>();
  private final ThreadLocal<ArrayList<PooledConnection>> recentlyReturned =
      ThreadLocal.withInitial(() -> new ArrayList<>(RECENT_PER_THREAD));
  private final SynchronousQueue<PooledConnection> handoff = new SynchronousQueue<>(true);
  private final AtomicInteger waiters = new AtomicInteger();

  /** Connections open or being opened; never above maxSize. */
  private final AtomicInteger slots = new AtomicInteger();

  /** H2 connections whose prepared branch dies if they are closed; see retainUnfinished. */
  private final List<Quarantined> quarantined = new CopyOnWriteArrayList<>();

  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder acquisitionNanos = new LongAdder();
  private final AtomicLong acquisitionNanosMax = new AtomicLong();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder created = new LongAdder();
  private final LongAdder evicted = new LongAdder();
  private final LongAdder leaks = new LongAdder();

  private final long acquisitionTimeoutNanos;
  private final long idleTimeoutNanos;
  private final long maxLifetimeNanos;
  private final long validateIdleAfterNanos;
  private final long leakThresholdNanos;
  private final int validationTimeoutSeconds;
  private final ScheduledExecutorService housekeeper;
  private volatile boolean closed;

  private record Quarantined(PooledConnection connection, Xid xid) {}

  ConnectionPool(PoolSettings settings, XADataSource source) {
    this.settings = settings;
    this.source = source;
    this.acquisitionTimeoutNanos = settings.acquisitionTimeout().toNanos();
    this.idleTimeoutNanos = settings.idleTimeout().toNanos();
    this.maxLifetimeNanos = settings.maxLifetime().toNanos();
    this.validateIdleAfterNanos = settings.validateIdleAfter().toNanos();
    this.leakThresholdNanos = settings.leakDetectionThreshold().toNanos();
    this.validationTimeoutSeconds =
        (int) Math.max(1, (settings.validationTimeout().toMillis() + 999) / 1000);
    String threadName = "concord-pool-" + settings.name();
    this.housekeeper =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, threadName);
              thread.setDaemon(true);
              return thread;
            });
    long period = settings.housekeepingPeriod().toNanos();
    if (leakThresholdNanos > 0) {
      period =
          Math.min(period, Math.max(leakThresholdNanos / 2, TimeUnit.MILLISECONDS.toNanos(10)));
    }
    housekeeper.scheduleWithFixedDelay(this::housekeepSafely, 0, period, TimeUnit.NANOSECONDS);
  }

  String name() {
    return settings.name();
  }

  /** Borrows a validated connection, waiting at most the acquisition timeout. */
  PooledConnection borrow() throws SQLException {
    long start = System.nanoTime();
    // An immediate claim of a connection that needs no validation reads the clock once; anything
    // slower (opening, waiting, validating) reads it again so that the metrics see the time.
    boolean slow = false;
    boolean waiting = false;
    try {
      while (true) {
        if (closed) {
          throw new SQLException("pool '" + name() + "' is closed", "08003");
        }
        PooledConnection connection = takeIdle();
        boolean fresh = false;
        if (connection == null && reserveSlot()) {
          connection = openReserved();
          fresh = true;
          slow = true;
        }
        if (connection == null) {
          slow = true;
          long remaining = start + acquisitionTimeoutNanos - System.nanoTime();
          if (remaining <= 0) {
            timeouts.increment();
            throw exhausted();
          }
          if (!waiting) {
            // Announce ourselves before the next scan so a returning thread hands over to us.
            waiters.incrementAndGet();
            waiting = true;
            continue;
          }
          connection =
              handoff.poll(Math.min(remaining, MAX_WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
          if (connection == null || !connection.claim()) {
            continue;
          }
        }
        if (!fresh) {
          long now = slow ? System.nanoTime() : start;
          String unusable = brokenOrExpired(connection, now);
          if (unusable == null && now - connection.lastReturnedNanos >= validateIdleAfterNanos) {
            unusable = validate(connection);
            slow = true;
          }
          if (unusable != null) {
            LOG.debug("pool '{}': evicting a connection on borrow: {}", name(), unusable);
            evict(connection);
            slow = true;
            continue;
          }
        }
        long end = slow ? System.nanoTime() : start;
        connection.borrowedNanos = end;
        connection.leakReported = false;
        if (leakThresholdNanos > 0) {
          connection.borrowSite = new Throwable("connection borrowed here");
        }
        long took = end - start;
        acquisitions.increment();
        if (took > 0) {
          acquisitionNanos.add(took);
          if (took > acquisitionNanosMax.get()) {
            acquisitionNanosMax.accumulateAndGet(took, Math::max);
          }
        }
        return connection;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException(
          "interrupted while waiting for a connection of pool '" + name() + "'", "08001", e);
    } finally {
      if (waiting) {
        waiters.decrementAndGet();
      }
    }
  }

  private PooledConnection takeIdle() {
    ArrayList<PooledConnection> recent = recentlyReturned.get();
    for (int i = recent.size() - 1; i >= 0; i--) {
      PooledConnection connection = recent.remove(i);
      if (connection.claim()) {
        return connection;
      }
    }
    for (PooledConnection connection : connections) {
      if (connection.claim()) {
        return connection;
      }
    }
    return null;
  }

  private boolean reserveSlot() {
    while (true) {
      int open = slots.get();
      if (open >= settings.maxSize()) {
        return false;
      }
      if (slots.compareAndSet(open, open + 1)) {
        return true;
      }
    }
  }

  private PooledConnection openReserved() throws SQLException {
    XAConnection xaConnection = null;
    try {
      xaConnection = source.getXAConnection();
      PooledConnection connection = PooledConnection.open(xaConnection, System.nanoTime());
      connections.add(connection);
      created.increment();
      return connection;
    } catch (SQLException | RuntimeException e) {
      slots.decrementAndGet();
      String state = e instanceof SQLException sql ? sql.getSQLState() : null;
      throw new SQLException(
          "pool '" + name() + "' could not open a connection: " + e.getMessage(),
          state == null ? "08001" : state,
          e);
    }
  }

  private PoolExhaustedException exhausted() {
    return new PoolExhaustedException(
        "pool '"
            + name()
            + "' is exhausted: all "
            + slots.get()
            + " connections (maxSize "
            + settings.maxSize()
            + ") are in use and none was returned within "
            + settings.acquisitionTimeout().toMillis()
            + " ms; "
            + Math.max(0, waiters.get() - 1)
            + " other threads are waiting too");
  }

  /** Null when nothing known rules the connection out without asking the database. */
  private String brokenOrExpired(PooledConnection connection, long now) {
    if (connection.broken) {
      return "the driver reported it broken";
    }
    if (maxLifetimeNanos > 0 && now - connection.createdNanos > maxLifetimeNanos) {
      return "past its maximum lifetime";
    }
    return null;
  }

  /** Null when the database answers on the connection, else why not. */
  private String validate(PooledConnection connection) {
    try {
      if (settings.validationQuery() != null) {
        try (Statement statement = connection.connection.createStatement()) {
          statement.setQueryTimeout(validationTimeoutSeconds);
          statement.execute(settings.validationQuery());
        }
      } else if (!connection.connection.isValid(validationTimeoutSeconds)) {
        return "failed validation (isValid returned false)";
      }
    } catch (SQLException | RuntimeException e) {
      return "failed validation: " + e;
    }
    return null;
  }

  /**
   * Takes back a connection after use outside a transaction or after its transaction completed.
   *
   * @param afterTransaction the connection took part in an XA branch, so the driver's auto-commit
   *     state is checked, not assumed
   */
  void giveBack(PooledConnection connection, boolean afterTransaction) {
    long now = System.nanoTime();
    if (closed
        || connection.broken
        || connection.retire
        || (maxLifetimeNanos > 0 && now - connection.createdNanos > maxLifetimeNanos)) {
      evict(connection);
      return;
    }
    if (afterTransaction || connection.autoCommitChanged || connection.isDirty()) {
      try {
        connection.resetSession();
      } catch (SQLException | RuntimeException e) {
        LOG.debug(
            "pool '{}': evicting a connection whose session could not be reset: {}",
            name(),
            e.toString());
        evict(connection);
        return;
      }
    }
    connection.borrowSite = null;
    connection.lastReturnedNanos = now;
    requite(connection);
  }

  private void requite(PooledConnection connection) {
    connection.state.set(PooledConnection.IDLE);
    for (int i = 0; waiters.get() > 0; i++) {
      if (connection.state.get() != PooledConnection.IDLE || handoff.offer(connection)) {
        return;
      }
      if ((i & 0xff) == 0xff) {
        LockSupport.parkNanos(10_000);
      } else {
        Thread.yield();
      }
    }
    ArrayList<PooledConnection> recent = recentlyReturned.get();
    if (recent.size() < RECENT_PER_THREAD) {
      recent.add(connection);
    }
  }

  /** Closes a connection the caller holds (state IN_USE) and frees its slot. */
  void evict(PooledConnection connection) {
    if (connection.state.getAndSet(PooledConnection.REMOVED) != PooledConnection.REMOVED) {
      discard(connection);
    }
  }

  private void discard(PooledConnection connection) {
    if (connections.remove(connection)) {
      slots.decrementAndGet();
    }
    evicted.increment();
    connection.closeQuietly();
  }

  /**
   * A connection whose branch did not finish cleanly (phase 2 failed or never came) must not be
   * reused. PostgreSQL and MariaDB keep a prepared branch when its session closes (and MariaDB
   * refuses phase 2 from another session while the owner lives), so it is closed. H2 rolls a
   * prepared branch back when its session closes, so that connection is set aside, kept open and
   * closed once recover() no longer lists the branch (the recovery manager finished it).
   */
  void retainUnfinished(PooledConnection connection, Xid xid, boolean branchMayBePrepared) {
    if (branchMayBePrepared && xid != null && losesPreparedBranchOnClose(connection)) {
      if (connection.state.getAndSet(PooledConnection.REMOVED) != PooledConnection.REMOVED) {
        if (connections.remove(connection)) {
          slots.decrementAndGet();
        }
        evicted.increment();
        quarantined.add(new Quarantined(connection, xid));
        LOG.warn(
            "pool '{}': keeping an H2 connection with an unfinished prepared branch open until"
                + " recovery completes it ({} such connections)",
            name(),
            quarantined.size());
      }
      return;
    }
    evict(connection);
  }

  private static boolean losesPreparedBranchOnClose(PooledConnection connection) {
    return connection.xaConnection.getClass().getName().startsWith("org.h2.");
  }

  private void housekeepSafely() {
    try {
      housekeep();
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': housekeeping failed", name(), e);
    }
  }

  void housekeep() {
    long now = System.nanoTime();
    for (PooledConnection connection : connections) {
      int state = connection.state.get();
      if (state == PooledConnection.IN_USE) {
        if (leakThresholdNanos > 0
            && !connection.leakReported
            && now - connection.borrowedNanos > leakThresholdNanos) {
          connection.leakReported = true;
          Throwable site = connection.borrowSite;
          LOG.warn(
              "pool '{}': possible connection leak: a connection has been held for {} ms"
                  + " (leak-detection threshold {} ms) without being closed or its transaction"
                  + " completing; the borrower's stack trace follows",
              name(),
              TimeUnit.NANOSECONDS.toMillis(now - connection.borrowedNanos),
              settings.leakDetectionThreshold().toMillis(),
              site);
          leaks.increment();
        }
        if (maxLifetimeNanos > 0 && now - connection.createdNanos > maxLifetimeNanos) {
          connection.retire = true;
        }
      } else if (state == PooledConnection.IDLE) {
        boolean expired = maxLifetimeNanos > 0 && now - connection.createdNanos > maxLifetimeNanos;
        boolean idleTooLong =
            idleTimeoutNanos > 0
                && now - connection.lastReturnedNanos > idleTimeoutNanos
                && slots.get() > settings.minSize();
        if ((expired || idleTooLong)
            && connection.state.compareAndSet(PooledConnection.IDLE, PooledConnection.REMOVED)) {
          discard(connection);
        }
      }
    }
    while (!closed && slots.get() < settings.minSize() && reserveSlot()) {
      try {
        PooledConnection connection = openReserved();
        connection.lastReturnedNanos = System.nanoTime();
        requite(connection);
      } catch (SQLException e) {
        LOG.warn(
            "pool '{}': could not open a connection to keep minSize {}: {}",
            name(),
            settings.minSize(),
            e.getMessage());
        break;
      }
    }
    releaseFinishedQuarantine();
  }

  private void releaseFinishedQuarantine() {
    for (Quarantined entry : quarantined) {
      boolean stillInDoubt;
      try {
        Xid[] inDoubt =
            entry.connection().xaResource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        stillInDoubt =
            inDoubt != null
                && Arrays.stream(inDoubt).anyMatch(x -> RecordedXid.sameXid(x, entry.xid()));
      } catch (XAException | RuntimeException e) {
        stillInDoubt = false;
      }
      if (!stillInDoubt) {
        quarantined.remove(entry);
        entry.connection().closeQuietly();
      }
    }
  }

  PoolMetrics metrics() {
    int idle = 0;
    int active = 0;
    for (PooledConnection connection : connections) {
      int state = connection.state.get();
      if (state == PooledConnection.IDLE) {
        idle++;
      } else if (state == PooledConnection.IN_USE) {
        active++;
      }
    }
    return new PoolMetrics(
        name(),
        active,
        idle,
        waiters.get(),
        slots.get(),
        settings.maxSize(),
        acquisitions.sum(),
        acquisitionNanos.sum(),
        acquisitionNanosMax.get(),
        timeouts.sum(),
        created.sum(),
        evicted.sum(),
        leaks.sum());
  }

  int quarantinedCount() {
    return quarantined.size();
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    housekeeper.shutdownNow();
    for (PooledConnection connection : connections) {
      if (connection.state.compareAndSet(PooledConnection.IDLE, PooledConnection.REMOVED)) {
        discard(connection);
      }
    }
    if (!quarantined.isEmpty()) {
      LOG.warn(
          "pool '{}' closed with {} H2 connections still holding prepared branches; closing them"
              + " rolls those branches back",
          name(),
          quarantined.size());
      for (Quarantined entry : quarantined) {
        entry.connection().closeQuietly();
      }
      quarantined.clear();
    }
  }
}
