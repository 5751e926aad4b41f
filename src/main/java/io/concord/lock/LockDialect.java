package io.concord.lock;

import java.util.Locale;

/** The kind of database a lock lives on; each has its own locking mechanism. */
public enum LockDialect {
  /**
   * Advisory locks: {@code pg_try_advisory_lock} (session) and {@code pg_try_advisory_xact_lock}.
   */
  POSTGRESQL,
  /** Named locks: {@code GET_LOCK} / {@code RELEASE_LOCK} (MariaDB and MySQL 5.7+). */
  MARIADB,
  /** No advisory locks: a lock table with row locks and a lease (weaker; see docs/lock.md). */
  H2;

  /** The dialect of a JDBC URL ({@code jdbc:postgresql:}, {@code jdbc:mariadb:}, ...). */
  public static LockDialect fromJdbcUrl(String jdbcUrl) {
    String url = jdbcUrl == null ? "" : jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
      return MARIADB;
    }
    if (url.startsWith("jdbc:h2:")) {
      return H2;
    }
    throw new IllegalArgumentException(
        "cannot tell the lock dialect of JDBC URL '"
            + jdbcUrl
            + "': expected jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql: or jdbc:h2:");
  }
}
