package io.concord.lock;

import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/** The locks of one {@link LockDatabase}: the in-process slots and the database mechanism. */
final class DatabaseLocks implements Locks, AutoCloseable {
  private final LockDatabase database;
  private final LockService service;
  private final SessionLocking session;
  private final ConcurrentHashMap<Long, LockSlot> slots = new ConcurrentHashMap<>();
  private final ReentrantLock transactionalSchemaLock = new ReentrantLock();
  private volatile boolean transactionalSchemaReady;

  DatabaseLocks(LockDatabase database, LockService service) {
    this.database = database;
    this.service = service;
    boolean sessionSource = database.jdbcUrl() != null || database.dataSource() != null;
    this.session =
        !sessionSource
            ? null
            : switch (database.dialect()) {
              case POSTGRESQL -> new PostgresSessionLocking(database);
              case MARIADB -> new MariaDbSessionLocking(database);
              case H2 -> new H2LeaseLocking(database);
            };
  }

  @Override
  public String database() {
    return database.name();
  }

  LockDatabase config() {
    return database;
  }

  // ---------------------------------------------------------------- session locks

  @Override
  public LockHandle acquire(String name, Duration timeout) {
    LockKey key = service.key(name);
    Deadline deadline = Deadline.after(timeout);
    SessionHandle handle = acquireOrFail(key, deadline, Thread.currentThread());
    if (handle == null) {
      throw timeout(key, deadline);
    }
    return handle;
  }

  @Override
  public Optional<LockHandle> tryAcquire(String name) {
    return Optional.ofNullable(
        acquireOrFail(service.key(name), Deadline.now(), Thread.currentThread()));
  }

  @Override
  public Optional<LockHandle> tryAcquire(String name, Duration timeout) {
    return Optional.ofNullable(
        acquireOrFail(service.key(name), Deadline.after(timeout), Thread.currentThread()));
  }

  @Override
  public boolean isHeld(String name) {
    LockSlot slot = slots.get(service.key(name).value());
    if (slot == null) {
      return false;
    }
    HeldLock held;
    slot.mutex.lock();
    try {
      held = slot.held;
    } finally {
      slot.mutex.unlock();
    }
    return held != null && !held.isLost();
  }

  @Override
  public DistributedLock lock(String name) {
    return new SessionDistributedLock(this, service.key(name));
  }

  /** Like {@link #acquireSession} but with the interrupt turned into a {@link LockException}. */
  SessionHandle acquireOrFail(LockKey key, Deadline deadline, Object owner) {
    try {
      return acquireSession(key, deadline, owner);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LockException(
          "interrupted while acquiring lock " + key + " on database '" + database.name() + "'", e);
    }
  }

  /**
   * Acquires for {@code owner} (a thread, or a transaction key): reentrantly if it already holds
   * the lock, else after the other owners in this process, else from the database. Null when the
   * deadline passed first.
   */
  SessionHandle acquireSession(LockKey key, Deadline deadline, Object owner)
      throws InterruptedException {
    if (session == null) {
      throw new LockException(
          "lock database '"
              + database.name()
              + "' has only a transactionalDataSource; session locks need jdbcUrl(...) or"
              + " dataSource(...)");
    }
    LockSlot slot = reference(key);
    boolean keep = false;
    try {
      slot.mutex.lockInterruptibly();
      try {
        if (Objects.equals(slot.owner, owner) && slot.held != null) {
          if (slot.held.isLost()) {
            throw new LockLostException(
                key.name(),
                "lock "
                    + key
                    + " was lost while its owner still holds it; close the outer handle before"
                    + " acquiring it again",
                null);
          }
          SessionHandle handle = new SessionHandle(this, slot, slot.held);
          slot.handles.push(handle);
          keep = true;
          return handle;
        }
        while (slot.owner != null) {
          if (deadline.isNever()) {
            slot.free.await();
          } else {
            long left = deadline.remainingNanos();
            if (left <= 0) {
              return null;
            }
            slot.free.awaitNanos(left);
          }
        }
        slot.owner = owner;
      } finally {
        slot.mutex.unlock();
      }
      HeldLock held;
      try {
        held = session.acquire(key, deadline, holderDescription(owner));
      } catch (SQLException e) {
        vacate(slot);
        throw new LockException(
            "could not acquire lock "
                + key
                + " on database '"
                + database.name()
                + "': "
                + e.getMessage(),
            e);
      } catch (InterruptedException | RuntimeException | Error e) {
        vacate(slot);
        throw e;
      }
      if (held == null) {
        vacate(slot);
        return null;
      }
      held.addListener(service::lockLost);
      SessionHandle handle;
      slot.mutex.lock();
      try {
        slot.held = held;
        handle = new SessionHandle(this, slot, held);
        slot.handles.push(handle);
      } finally {
        slot.mutex.unlock();
      }
      keep = true;
      long every = database.keepAliveInterval().toMillis();
      held.keepAlive(
          service
              .keepAliveExecutor()
              .scheduleWithFixedDelay(
                  () -> session.check(held), every, every, TimeUnit.MILLISECONDS));
      return handle;
    } finally {
      if (!keep) {
        unreference(slot);
      }
    }
  }

  /** Closes one handle; the owner's last one releases the database lock. */
  void release(LockSlot slot, SessionHandle handle, HeldLock held) {
    boolean last;
    slot.mutex.lock();
    try {
      slot.handles.remove(handle);
      last = slot.handles.isEmpty();
      if (last) {
        slot.held = null; // the owner stays set: nobody else enters until the release is done
      }
    } finally {
      slot.mutex.unlock();
    }
    try {
      if (last) {
        ReleaseOutcome outcome;
        try {
          outcome = session.release(held);
        } finally {
          vacate(slot);
        }
        if (!outcome.heldUntilRelease()) {
          held.markLost(outcome.reason(), outcome.cause());
        }
      }
    } finally {
      unreference(slot);
    }
  }

  /** The newest open handle of {@code owner}, or null (for {@link DistributedLock#unlock()}). */
  SessionHandle newestHandle(LockKey key, Object owner) {
    LockSlot slot = slots.get(key.value());
    if (slot == null) {
      return null;
    }
    slot.mutex.lock();
    try {
      return Objects.equals(slot.owner, owner) ? slot.handles.peek() : null;
    } finally {
      slot.mutex.unlock();
    }
  }

  private void vacate(LockSlot slot) {
    slot.mutex.lock();
    try {
      slot.owner = null;
      slot.held = null;
      slot.free.signalAll();
    } finally {
      slot.mutex.unlock();
    }
  }

  private LockSlot reference(LockKey key) {
    return slots.compute(
        key.value(),
        (k, slot) -> {
          LockSlot s = slot == null ? new LockSlot(key) : slot;
          s.references++;
          return s;
        });
  }

  private void unreference(LockSlot slot) {
    slots.computeIfPresent(slot.key.value(), (k, s) -> --s.references == 0 ? null : s);
  }

  private String holderDescription(Object owner) {
    String who =
        service.identity()
            + (owner instanceof Thread thread
                ? " thread " + thread.getName()
                : " transaction " + owner);
    return who.length() <= 200 ? who : who.substring(0, 200);
  }

  LockTimeoutException timeout(LockKey key, Deadline deadline) {
    String holder = null;
    LockSlot slot = slots.get(key.value());
    if (slot != null) {
      slot.mutex.lock();
      try {
        if (slot.owner != null) {
          holder =
              "an owner in this process ("
                  + (slot.owner instanceof Thread thread
                      ? "thread '" + thread.getName() + "'"
                      : "transaction " + slot.owner)
                  + ")";
        }
      } finally {
        slot.mutex.unlock();
      }
    }
    if (holder == null && session != null) {
      holder = session.describeHolder(key);
    }
    return new LockTimeoutException(key.name(), database.name(), deadline.elapsedMillis(), holder);
  }

  // ---------------------------------------------------------------- transaction-scoped locks

  @Override
  public TransactionLock acquireForTransaction(String name, Duration timeout) {
    TransactionSynchronizationRegistry registry = service.registry();
    if (registry == null) {
      throw new IllegalStateException(
          "acquireForTransaction needs a TransactionSynchronizationRegistry: configure it with"
              + " LockService.builder().transactionSynchronizationRegistry(...)");
    }
    int status = registry.getTransactionStatus();
    if (status != Status.STATUS_ACTIVE) {
      throw new IllegalStateException(
          "acquireForTransaction('"
              + name
              + "') needs an active JTA transaction on this thread; its status is "
              + statusName(status));
    }
    LockKey key = service.key(name);
    TransactionBoundLocks bound = (TransactionBoundLocks) registry.getResource(this);
    if (bound == null) {
      bound = new TransactionBoundLocks(database.name());
      registry.putResource(this, bound);
      registry.registerInterposedSynchronization(bound);
    }
    TransactionBoundLocks.Bound existing = bound.get(key);
    if (existing != null) {
      return existing;
    }
    Deadline deadline = Deadline.after(timeout);
    TransactionBoundLocks.Bound lock;
    if (database.dialect() == LockDialect.POSTGRESQL) {
      DataSource transactional = database.transactionalDataSource();
      if (transactional == null) {
        throw new IllegalStateException(
            "lock database '"
                + database.name()
                + "' has no transactionalDataSource: PostgreSQL transaction-scoped locks take"
                + " pg_advisory_xact_lock on the transaction's own connection of it");
      }
      long token;
      try (Connection connection = transactional.getConnection()) {
        token = transactionLevelLock(connection, key, deadline);
      } catch (SQLException e) {
        throw new LockException(
            "could not acquire transaction lock "
                + key
                + " on database '"
                + database.name()
                + "': "
                + e.getMessage(),
            e);
      }
      lock = new TransactionBoundLocks.Bound(key.name(), token, null);
    } else {
      SessionHandle handle = acquireOrFail(key, deadline, registry.getTransactionKey());
      if (handle == null) {
        throw timeout(key, deadline);
      }
      lock = new TransactionBoundLocks.Bound(key.name(), handle.fencingToken(), handle);
    }
    bound.put(key, lock);
    return lock;
  }

  @Override
  public long acquireInTransaction(Connection connection, String name, Duration timeout) {
    LockKey key = service.key(name);
    try {
      return transactionLevelLock(connection, key, Deadline.after(timeout));
    } catch (SQLException e) {
      throw new LockException(
          "could not acquire transaction lock "
              + key
              + " on database '"
              + database.name()
              + "': "
              + e.getMessage(),
          e);
    }
  }

  /**
   * {@code pg_try_advisory_xact_lock} polled on the caller's transaction, then the fencing counter
   * incremented in that same transaction, so lock, counter and the caller's writes commit (or roll
   * back) together. Polling returns a boolean and never raises an error, so a busy lock does not
   * abort the caller's transaction.
   */
  private long transactionLevelLock(Connection connection, LockKey key, Deadline deadline)
      throws SQLException {
    if (database.dialect() != LockDialect.POSTGRESQL) {
      throw new UnsupportedOperationException(
          "lock database '"
              + database.name()
              + "' is "
              + database.dialect()
              + ": only PostgreSQL has transaction-level locks on a caller's connection; use"
              + " acquireForTransaction(...) with JTA or a session lock");
    }
    ensureTransactionalSchema(connection);
    Backoff backoff = new Backoff(database.minPollInterval(), database.maxPollInterval());
    try (PreparedStatement attempt =
        connection.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
      attempt.setLong(1, key.value());
      while (true) {
        boolean acquired;
        try (ResultSet rs = attempt.executeQuery()) {
          rs.next();
          acquired = rs.getBoolean(1);
        }
        if (acquired) {
          break;
        }
        if (deadline.expired()) {
          String holder;
          try {
            holder = PostgresSessionLocking.holderFromPgLocks(connection, key);
          } catch (SQLException e) {
            holder = null;
          }
          throw new LockTimeoutException(
              key.name(), database.name(), deadline.elapsedMillis(), holder);
        }
        try {
          backoff.sleep(deadline);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new LockException("interrupted while acquiring transaction lock " + key, e);
        }
      }
    }
    // The check rides on the counter's statement: if the lock statement ran in auto-commit, its
    // lock ended with it and this second statement no longer sees it. (getAutoCommit() cannot
    // tell: pgjdbc's XA branches report auto-commit on while a branch is open.)
    try (PreparedStatement ps =
        connection.prepareStatement(
            PostgresSessionLocking.fenceSql(database.lockTable())
                + ", (select count(*) from pg_locks where locktype = 'advisory'"
                + " and pid = pg_backend_pid() and granted and objsubid = 1"
                + " and ((classid::bigint << 32) | objid::bigint) = ?)")) {
      ps.setLong(1, key.value());
      ps.setString(2, key.storedName());
      ps.setString(3, holderDescription(Thread.currentThread()));
      ps.setLong(4, key.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(3) == 0) {
          throw new LockException(
              "transaction lock "
                  + key
                  + " on database '"
                  + database.name()
                  + "': the lock was gone right after it was taken, so the connection runs in"
                  + " auto-commit mode and pg_advisory_xact_lock ended with its statement. The"
                  + " DataSource did not enlist the connection in a transaction (is it a plain"
                  + " pool rather than the XA-aware one, or is no transaction active?)");
        }
        return rs.getLong(1);
      }
    }
  }

  private void ensureTransactionalSchema(Connection connection) throws SQLException {
    if (transactionalSchemaReady || !database.createSchema()) {
      return;
    }
    transactionalSchemaLock.lock();
    try {
      if (transactionalSchemaReady) {
        return;
      }
      if (session != null) {
        session.ensureSchema();
      } else {
        boolean exists;
        try (PreparedStatement ps = connection.prepareStatement("select to_regclass(?)")) {
          ps.setString(1, database.lockTable());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            exists = rs.getString(1) != null;
          }
        }
        if (!exists) {
          // Transactional DDL on PostgreSQL: it commits or rolls back with the caller.
          LockSchema.create(connection, database.dialect(), database.lockTable());
        }
      }
      transactionalSchemaReady = true;
    } finally {
      transactionalSchemaLock.unlock();
    }
  }

  private static String statusName(int status) {
    return switch (status) {
      case Status.STATUS_ACTIVE -> "ACTIVE";
      case Status.STATUS_MARKED_ROLLBACK -> "MARKED_ROLLBACK";
      case Status.STATUS_PREPARED -> "PREPARED";
      case Status.STATUS_COMMITTED -> "COMMITTED";
      case Status.STATUS_ROLLEDBACK -> "ROLLEDBACK";
      case Status.STATUS_UNKNOWN -> "UNKNOWN";
      case Status.STATUS_NO_TRANSACTION -> "NO_TRANSACTION (no transaction)";
      case Status.STATUS_PREPARING -> "PREPARING";
      case Status.STATUS_COMMITTING -> "COMMITTING";
      case Status.STATUS_ROLLING_BACK -> "ROLLING_BACK";
      default -> String.valueOf(status);
    };
  }

  @Override
  public void close() {
    List<HeldLock> held = new ArrayList<>();
    for (LockSlot slot : slots.values()) {
      slot.mutex.lock();
      try {
        if (slot.held != null) {
          held.add(slot.held);
        }
      } finally {
        slot.mutex.unlock();
      }
    }
    for (HeldLock lock : held) {
      lock.markLost("the lock service was closed while the lock was held", null);
    }
    if (session != null) {
      session.close();
    }
  }
}
