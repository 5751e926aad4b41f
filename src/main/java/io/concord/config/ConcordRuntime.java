package io.concord.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.concord.config.ConcordConfig.DataSourceSettings;
import io.concord.config.ConcordConfig.ShardSettings;
import io.concord.jdbc.ConcordDataSource;
import io.concord.jdbc.LastResourceDataSource;
import io.concord.lock.LockDatabase;
import io.concord.lock.LockDialect;
import io.concord.lock.LockService;
import io.concord.log.LogException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.shard.Shard;
import io.concord.shard.ShardedDataSource;
import io.concord.shard.Topology;
import io.concord.tm.ConcordTransactionManager;
import io.concord.transactional.TransactionalServices;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * Everything a configuration file describes, started in the order recovery needs: the log, the
 * transaction manager, the recovery manager, every data source (each registers itself for
 * recovery), then one recovery pass before anything else may run, then the sharded data source and
 * the lock service. {@link #close()} stops them in reverse order.
 */
public final class ConcordRuntime implements AutoCloseable {
  private final ConcordConfig config;
  private final TransactionLog log;
  private final ConcordTransactionManager transactionManager;
  private final RecoveryManager recovery;
  private final RecoveryReport startupRecovery;
  private final Map<String, DataSource> dataSources;
  private final ShardedDataSource sharded;
  private final LockService locks;
  private final TransactionalServices transactional;
  private final Deque<AutoCloseable> toClose;

  private ConcordRuntime(Builder b) {
    this.config = b.config;
    this.log = b.log;
    this.transactionManager = b.transactionManager;
    this.recovery = b.recovery;
    this.startupRecovery = b.startupRecovery;
    this.dataSources = Map.copyOf(b.dataSources);
    this.sharded = b.sharded;
    this.locks = b.locks;
    this.transactional = TransactionalServices.using(transactionManager);
    this.toClose = b.toClose;
  }

  /** What to start besides the transaction manager, the data sources and recovery. */
  public enum Part {
    SHARDING,
    LOCKS
  }

  /**
   * Starts everything the configuration names. Recovery runs once (bounded by {@code
   * recovery.startup-timeout}) before this returns.
   */
  public static ConcordRuntime start(ConcordConfig config) {
    return start(config, List.of(Part.SHARDING, Part.LOCKS));
  }

  /** Starts the core and the given parts only (e.g. {@code concord recover} needs no router). */
  public static ConcordRuntime start(ConcordConfig config, List<Part> parts) {
    Builder b = new Builder(config);
    try {
      b.build(parts);
      return new ConcordRuntime(b);
    } catch (RuntimeException | Error e) {
      closeAll(b.toClose, e);
      throw e;
    }
  }

  private static final class Builder {
    final ConcordConfig config;
    final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    final Map<String, DataSource> dataSources = new LinkedHashMap<>();
    TransactionLog log;
    ConcordTransactionManager transactionManager;
    RecoveryManager recovery;
    RecoveryReport startupRecovery;
    ShardedDataSource sharded;
    LockService locks;

    Builder(ConcordConfig config) {
      this.config = config;
    }

    void build(List<Part> parts) {
      String nodeId =
          config.nodeId() != null ? config.nodeId() : ConcordTransactionManager.hostDerivedNodeId();
      try {
        log =
            TransactionLog.open(
                LogOptions.builder(config.log().directory())
                    .nodeId(nodeId)
                    .segmentSizeBytes(config.log().segmentSizeBytes())
                    .spinWait(config.log().spinWait())
                    .build());
      } catch (LogException e) {
        throw new ConfigException(
            config.source(), 0, "log.directory", "cannot open the log: " + e.getMessage());
      }
      toClose.push(log);
      transactionManager =
          ConcordTransactionManager.builder(log)
              .nodeId(nodeId)
              .defaultTimeout(config.transactions().defaultTimeout())
              .build();
      toClose.push(transactionManager);
      recovery =
          new RecoveryManager(
              log,
              RecoveryOptions.builder(nodeId)
                  .alsoForNodes(config.recovery().alsoForNodes())
                  .interval(config.recovery().interval())
                  .startupTimeout(config.recovery().startupTimeout())
                  .orphanGrace(config.recovery().orphanGrace())
                  .build(),
              InFlightTransactions.of(transactionManager));
      toClose.push(recovery);
      for (DataSourceSettings settings : config.dataSources()) {
        DataSource ds = dataSource(settings);
        dataSources.put(settings.name(), ds);
      }
      startupRecovery = recovery.start();
      if (parts.contains(Part.SHARDING) && config.sharding().enabled()) {
        sharded = sharded();
        toClose.push(sharded);
      }
      if (parts.contains(Part.LOCKS) && config.locks().dataSource() != null) {
        locks = lockService();
        toClose.push(locks);
      }
    }

    private DataSource dataSource(DataSourceSettings s) {
      ConcordConfig.PoolSettings pool = s.pool();
      if (!s.xa()) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(s.url());
        hikari.setUsername(s.user());
        hikari.setPassword(s.password());
        hikari.setPoolName(s.name());
        hikari.setMaximumPoolSize(pool.maxSize());
        hikari.setMinimumIdle(pool.minSize());
        hikari.setConnectionTimeout(pool.acquisitionTimeout().toMillis());
        hikari.setIdleTimeout(pool.idleTimeout().toMillis());
        hikari.setMaxLifetime(pool.maxLifetime().toMillis());
        hikari.setAutoCommit(true);
        HikariDataSource delegate = new HikariDataSource(hikari);
        toClose.push(delegate);
        LastResourceDataSource.Builder lr =
            LastResourceDataSource.builder(delegate)
                .resourceName(s.name())
                .transactionManager(transactionManager)
                .synchronizationRegistry(transactionManager.transactionSynchronizationRegistry())
                .recoveryRegistry(recovery);
        if (s.markerTable() != null) {
          lr.markerTable(s.markerTable()).createMarkerTable(true);
        }
        LastResourceDataSource ds = lr.build();
        toClose.push(ds);
        return ds;
      }
      ConcordDataSource ds =
          ConcordDataSource.builder(xaDataSource(s))
              .resourceName(s.name())
              .transactionManager(transactionManager)
              .synchronizationRegistry(transactionManager.transactionSynchronizationRegistry())
              .recoveryRegistry(recovery)
              .minSize(pool.minSize())
              .maxSize(pool.maxSize())
              .acquisitionTimeout(pool.acquisitionTimeout())
              .idleTimeout(pool.idleTimeout())
              .maxLifetime(pool.maxLifetime())
              .leakDetectionThreshold(pool.leakDetectionThreshold())
              .build();
      toClose.push(ds);
      return ds;
    }

    private XADataSource xaDataSource(DataSourceSettings s) {
      switch (s.kind()) {
        case H2:
          JdbcDataSource h2 = new JdbcDataSource();
          h2.setURL(s.url());
          h2.setUser(s.user());
          h2.setPassword(s.password());
          return h2;
        case POSTGRES:
          PGXADataSource pg = new PGXADataSource();
          pg.setURL(s.url());
          pg.setUser(s.user());
          pg.setPassword(s.password());
          return pg;
        case MARIADB:
          try {
            MariaDbDataSource maria = new MariaDbDataSource(s.url());
            maria.setUser(s.user());
            maria.setPassword(s.password());
            return maria;
          } catch (SQLException e) {
            throw new ConfigException(
                config.source(), s.line(), "datasources." + s.name() + ".url", e.getMessage());
          }
        default:
          throw new IllegalStateException("unknown database kind " + s.kind());
      }
    }

    private ShardedDataSource sharded() {
      List<Shard> shards = new ArrayList<>();
      for (ShardSettings shard : config.sharding().shards()) {
        shards.add(Shard.of(shard.name(), shard.weight()));
      }
      Topology topology = Topology.initial(config.sharding().slots(), shards);
      ShardedDataSource.Builder builder =
          ShardedDataSource.builder(topology).transactionManager(transactionManager);
      for (ShardSettings shard : config.sharding().shards()) {
        builder.shard(shard.name(), dataSources.get(shard.dataSource()));
      }
      for (ConcordConfig.ShardedTableSettings table : config.sharding().tables()) {
        builder.shardedTable(table.table(), table.keyColumn());
      }
      for (String table : config.sharding().broadcastTables()) {
        builder.broadcastTable(table);
      }
      return builder.build();
    }

    private LockService lockService() {
      DataSourceSettings s = config.dataSource(config.locks().dataSource());
      LockDatabase database =
          LockDatabase.builder(s.name())
              .dialect(LockDialect.fromJdbcUrl(s.url()))
              .jdbcUrl(s.url())
              .user(s.user())
              .password(s.password())
              .transactionalDataSource(dataSources.get(s.name()))
              .lease(config.locks().leaseTime())
              .createSchema(true)
              .build();
      return LockService.builder()
          .namespace(config.locks().namespace())
          .database(database)
          .transactionSynchronizationRegistry(
              transactionManager.transactionSynchronizationRegistry())
          .build();
    }
  }

  public ConcordConfig config() {
    return config;
  }

  public TransactionLog log() {
    return log;
  }

  public ConcordTransactionManager transactionManager() {
    return transactionManager;
  }

  public RecoveryManager recovery() {
    return recovery;
  }

  /** The report of the recovery pass that ran before {@link #start} returned. */
  public RecoveryReport startupRecovery() {
    return startupRecovery;
  }

  /** The transactional data source with this name (from {@code datasources:}). */
  public DataSource dataSource(String name) {
    DataSource ds = dataSources.get(name);
    if (ds == null) {
      throw new ConfigException(config.source(), 0, "datasources", "no data source named " + name);
    }
    return ds;
  }

  /** Data source names in configuration order. */
  public List<String> dataSourceNames() {
    List<String> names = new ArrayList<>();
    for (DataSourceSettings s : config.dataSources()) {
      names.add(s.name());
    }
    return names;
  }

  public Optional<ShardedDataSource> sharded() {
    return Optional.ofNullable(sharded);
  }

  public Optional<LockService> locks() {
    return Optional.ofNullable(locks);
  }

  public TransactionalServices transactional() {
    return transactional;
  }

  @Override
  public void close() {
    closeAll(toClose, null);
  }

  private static void closeAll(Deque<AutoCloseable> toClose, Throwable cause) {
    RuntimeException failure = null;
    while (!toClose.isEmpty()) {
      AutoCloseable c = toClose.pop();
      try {
        c.close();
      } catch (Exception e) {
        if (cause != null) {
          cause.addSuppressed(e);
        } else if (failure == null) {
          failure = new IllegalStateException("closing " + c + " failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
