package io.concord.lock;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * One database that holds locks: where session locks get their dedicated connections, which
 * transactional DataSource transaction-scoped locks use, and the timing knobs. Immutable; built
 * with {@link #builder(String)}.
 *
 * <p>Session locks run on connections of a small HikariCP pool that Concord creates from {@link
 * Builder#jdbcUrl} or from an <em>unpooled</em> {@link Builder#dataSource}; a connection that holds
 * a lock never goes back to the pool while it holds it.
 */
public final class LockDatabase {
  private static final Pattern TABLE_NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

  private final String name;
  private final LockDialect dialect;
  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final DataSource dataSource;
  private final DataSource transactionalDataSource;
  private final int maxConnections;
  private final Duration connectionTimeout;
  private final Duration keepAliveInterval;
  private final Duration networkTimeout;
  private final Duration deadClientTimeout;
  private final Duration lease;
  private final Duration minPollInterval;
  private final Duration maxPollInterval;
  private final PoolingProxy poolingProxy;
  private final boolean createSchema;
  private final String lockTable;

  private LockDatabase(Builder b) {
    this.name = b.name;
    this.dialect = b.dialect;
    this.jdbcUrl = b.jdbcUrl;
    this.user = b.user;
    this.password = b.password;
    this.dataSource = b.dataSource;
    this.transactionalDataSource = b.transactionalDataSource;
    this.maxConnections = b.maxConnections;
    this.connectionTimeout = b.connectionTimeout;
    this.keepAliveInterval = b.keepAliveInterval;
    this.networkTimeout = b.networkTimeout;
    this.deadClientTimeout = b.deadClientTimeout;
    this.lease = b.lease;
    this.minPollInterval = b.minPollInterval;
    this.maxPollInterval = b.maxPollInterval;
    this.poolingProxy = b.poolingProxy;
    this.createSchema = b.createSchema;
    this.lockTable = b.lockTable;
  }

  /** Starts the description of a lock database; {@code name} is how placement refers to it. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public LockDialect dialect() {
    return dialect;
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  DataSource dataSource() {
    return dataSource;
  }

  DataSource transactionalDataSource() {
    return transactionalDataSource;
  }

  int maxConnections() {
    return maxConnections;
  }

  Duration connectionTimeout() {
    return connectionTimeout;
  }

  Duration keepAliveInterval() {
    return keepAliveInterval;
  }

  Duration networkTimeout() {
    return networkTimeout;
  }

  Duration deadClientTimeout() {
    return deadClientTimeout;
  }

  Duration lease() {
    return lease;
  }

  Duration minPollInterval() {
    return minPollInterval;
  }

  Duration maxPollInterval() {
    return maxPollInterval;
  }

  PoolingProxy poolingProxy() {
    return poolingProxy;
  }

  boolean createSchema() {
    return createSchema;
  }

  String lockTable() {
    return lockTable;
  }

  @Override
  public String toString() {
    return "LockDatabase[" + name + ", " + dialect + "]";
  }

  /** Collects the settings of a {@link LockDatabase}; {@link #build()} checks them. */
  public static final class Builder {
    private final String name;
    private LockDialect dialect;
    private String jdbcUrl;
    private String user;
    private String password;
    private DataSource dataSource;
    private DataSource transactionalDataSource;
    private int maxConnections = 10;
    private Duration connectionTimeout = Duration.ofSeconds(30);
    private Duration keepAliveInterval = Duration.ofSeconds(2);
    private Duration networkTimeout = Duration.ofSeconds(10);
    private Duration deadClientTimeout = Duration.ofSeconds(30);
    private Duration lease = Duration.ofSeconds(30);
    private Duration minPollInterval = Duration.ofMillis(2);
    private Duration maxPollInterval = Duration.ofMillis(100);
    private PoolingProxy poolingProxy = PoolingProxy.NONE;
    private boolean createSchema = true;
    private String lockTable = "concord_lock";

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a lock database needs a non-blank name");
      }
      this.name = name;
    }

    /** The database kind; inferred from {@link #jdbcUrl} when not set. */
    public Builder dialect(LockDialect dialect) {
      this.dialect = Objects.requireNonNull(dialect, "dialect");
      return this;
    }

    /** Where session locks connect; Concord opens its own small pool on it. */
    public Builder jdbcUrl(String jdbcUrl) {
      this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /**
     * An <em>unpooled</em> DataSource (the driver's own, e.g. {@code PGSimpleDataSource}) that
     * session locks connect through instead of {@link #jdbcUrl}. Giving a pool here would pin the
     * pool's connections inside Concord's lock pool.
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * The DataSource whose connections join the current JTA transaction (a Concord or other
     * XA-aware pool). Transaction-scoped locks on PostgreSQL call {@code getConnection()} on it
     * inside the transaction and take {@code pg_advisory_xact_lock} on that very connection.
     */
    public Builder transactionalDataSource(DataSource transactionalDataSource) {
      this.transactionalDataSource =
          Objects.requireNonNull(transactionalDataSource, "transactionalDataSource");
      return this;
    }

    /**
     * Most connections the lock pool opens (default 10). Each session lock held or being waited for
     * uses one, so this bounds how many locks this process can hold at once on this database.
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            "maxConnections must be at least 1, not " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /** How long to wait for a free lock connection (default 30 s; HikariCP minimum 250 ms). */
    public Builder connectionTimeout(Duration connectionTimeout) {
      this.connectionTimeout = positive("connectionTimeout", connectionTimeout);
      return this;
    }

    /**
     * How often a held session lock's connection is checked to still hold it (default 2 s); the
     * longest a lost lock goes unnoticed. On H2 the lease is renewed at this interval, at most a
     * third of the lease.
     */
    public Builder keepAliveInterval(Duration keepAliveInterval) {
      this.keepAliveInterval = positive("keepAliveInterval", keepAliveInterval);
      return this;
    }

    /** Longest wait for any single statement on a lock connection before it counts as dead. */
    public Builder networkTimeout(Duration networkTimeout) {
      this.networkTimeout = positive("networkTimeout", networkTimeout);
      return this;
    }

    /**
     * How soon the server should notice a holder whose host vanished (default 30 s; zero keeps the
     * server's defaults). PostgreSQL: sets the session's {@code tcp_keepalives_*} so the kernel's
     * probes find a dead peer (a paused JVM still answers them). MariaDB: sets the session's {@code
     * wait_timeout}, which the keep-alive queries reset, so a holder frozen that long loses its
     * lock.
     */
    public Builder deadClientTimeout(Duration deadClientTimeout) {
      if (deadClientTimeout == null || deadClientTimeout.isNegative()) {
        throw new IllegalArgumentException("deadClientTimeout must be zero or positive");
      }
      this.deadClientTimeout = deadClientTimeout;
      return this;
    }

    /** H2 only: how long a lease lasts without renewal (default 30 s). */
    public Builder lease(Duration lease) {
      this.lease = positive("lease", lease);
      return this;
    }

    /** Back-off between polls of a busy lock (default 2 ms doubling up to 100 ms, jittered). */
    public Builder pollInterval(Duration min, Duration max) {
      this.minPollInterval = positive("min poll interval", min);
      this.maxPollInterval = positive("max poll interval", max);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("max poll interval " + max + " is below min " + min);
      }
      return this;
    }

    /**
     * What sits between Concord and PostgreSQL. {@link PoolingProxy#TRANSACTION_POOLING} makes
     * every session lock fail with a clear error (PgBouncer: session advisory locks "Never" work in
     * transaction mode).
     */
    public Builder poolingProxy(PoolingProxy poolingProxy) {
      this.poolingProxy = Objects.requireNonNull(poolingProxy, "poolingProxy");
      return this;
    }

    /** Create the lock table on first use if it is missing (default true; see sql/lock/). */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /** Name of the lock table holding fencing counters (and H2 leases); default concord_lock. */
    public Builder lockTable(String lockTable) {
      if (lockTable == null || !TABLE_NAME.matcher(lockTable).matches()) {
        throw new IllegalArgumentException(
            "lock table name '" + lockTable + "' is not a plain [schema.]identifier");
      }
      this.lockTable = lockTable;
      return this;
    }

    public LockDatabase build() {
      if (jdbcUrl == null && dataSource == null && transactionalDataSource == null) {
        throw new IllegalArgumentException(
            "lock database '"
                + name
                + "' needs a jdbcUrl or dataSource (session locks) or a transactionalDataSource");
      }
      if (jdbcUrl != null && dataSource != null) {
        throw new IllegalArgumentException(
            "lock database '" + name + "': give either jdbcUrl or dataSource, not both");
      }
      if (dialect == null) {
        if (jdbcUrl == null) {
          throw new IllegalArgumentException(
              "lock database '" + name + "' needs dialect(...) when it has no jdbcUrl");
        }
        dialect = LockDialect.fromJdbcUrl(jdbcUrl);
      }
      if (dialect == LockDialect.H2 && keepAliveInterval.multipliedBy(3).compareTo(lease) > 0) {
        keepAliveInterval = lease.dividedBy(3);
      }
      return new LockDatabase(this);
    }

    private static Duration positive(String what, Duration value) {
      if (value == null || value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(what + " must be positive, not " + value);
      }
      return value;
    }
  }
}
