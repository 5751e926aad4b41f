package io.concord.lock;

import java.util.Optional;

/**
 * The lock was not acquired within the timeout. Names the lock and, where the database can tell,
 * who holds it (a PostgreSQL backend from {@code pg_locks}, a prepared transaction, a MariaDB
 * connection from {@code IS_USED_LOCK}, the owner of an H2 lease).
 */
public final class LockTimeoutException extends LockException {
  private static final long serialVersionUID = 1L;

  private final String lockName;
  private final String holder;

  LockTimeoutException(String lockName, String database, long waitedMillis, String holder) {
    super(
        "could not acquire lock '"
            + lockName
            + "' on database '"
            + database
            + "' within "
            + waitedMillis
            + " ms; "
            + (holder == null ? "the database does not say who holds it" : "held by " + holder));
    this.lockName = lockName;
    this.holder = holder;
  }

  /** The name the caller asked for. */
  public String lockName() {
    return lockName;
  }

  /** Who held the lock when the wait ended, as far as the database can tell. */
  public Optional<String> holder() {
    return Optional.ofNullable(holder);
  }
}
