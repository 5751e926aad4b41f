package io.concord.jdbc;

import java.sql.SQLTransientConnectionException;

/**
 * No connection became free within the acquisition timeout. The message names the pool, its maximum
 * size and how many connections were in use and waited for, so the log line alone says which pool
 * to enlarge or which code holds connections too long.
 */
public final class PoolExhaustedException extends SQLTransientConnectionException {
  private static final long serialVersionUID = 1L;

  PoolExhaustedException(String message) {
    super(message, "08001");
  }
}
