package io.concord.lock;

/** What sits between Concord and a PostgreSQL lock database. */
public enum PoolingProxy {
  /** Direct connections (or a proxy that keeps one backend per client connection). */
  NONE,
  /** PgBouncer (or similar) in session pooling mode: session locks work. */
  SESSION_POOLING,
  /**
   * PgBouncer (or similar) in transaction pooling mode: consecutive statements may run on different
   * backends, so session-level advisory locks cannot work and are refused; transaction-scoped locks
   * still work.
   */
  TRANSACTION_POOLING
}
