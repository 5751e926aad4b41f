package io.concord.lock;

import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;

/**
 * Locks on one lock database. {@link LockService} is the one on the default database; {@link
 * LockService#on(String)} and {@link LockService#forShardKey(Object)} give the others.
 */
public interface Locks {

  /** The lock database these locks live on. */
  String database();

  /**
   * Acquires a session-scoped lock, waiting at most {@code timeout}.
   *
   * @throws LockTimeoutException naming the lock and, where the database can tell, the holder
   * @throws LockException when the database fails or the configuration refuses session locks
   */
  LockHandle acquire(String name, Duration timeout);

  /** Acquires the lock if it is free right now. */
  Optional<LockHandle> tryAcquire(String name);

  /** Acquires the lock if it becomes free within {@code timeout}; empty otherwise. */
  Optional<LockHandle> tryAcquire(String name, Duration timeout);

  /** True while some owner in this process (thread or transaction) holds the lock, not lost. */
  boolean isHeld(String name);

  /** A {@link java.util.concurrent.locks.Lock} view of the named lock. */
  DistributedLock lock(String name);

  /**
   * Acquires a lock bound to the current JTA transaction, released when it commits or rolls back.
   * On PostgreSQL this is {@code pg_advisory_xact_lock} on the transaction's own enlisted
   * connection of the database's transactional DataSource, so lock and writes there commit
   * together; on MariaDB and H2 it is a session lock released by the transaction's completion.
   * Acquiring the same name again in the same transaction returns the same lock.
   *
   * @throws IllegalStateException if there is no active transaction or no registry was configured
   */
  TransactionLock acquireForTransaction(String name, Duration timeout);

  /**
   * PostgreSQL only, without JTA: takes {@code pg_advisory_xact_lock} on {@code connection}'s
   * current local or XA transaction (auto-commit must be off), increments the fencing counter in
   * that same transaction and returns the token. The lock ends with that transaction.
   */
  long acquireInTransaction(Connection connection, String name, Duration timeout);
}
