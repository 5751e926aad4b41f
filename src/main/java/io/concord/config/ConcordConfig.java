package io.concord.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A Concord configuration file, read and checked as a whole before anything is started. Every key
 * is documented in the README's configuration reference; an unknown key, a value of the wrong type
 * or a dangling reference fails with the file, line and key.
 */
public record ConcordConfig(
    String source,
    String nodeId,
    LogSettings log,
    TransactionSettings transactions,
    RecoverySettings recovery,
    List<DataSourceSettings> dataSources,
    ShardingSettings sharding,
    LockSettings locks,
    DemoSettings demo) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

  public ConcordConfig {
    dataSources = List.copyOf(dataSources);
  }

  /** The database products Concord knows the XA behaviour of. */
  public enum DatabaseKind {
    H2,
    POSTGRES,
    MARIADB
  }

  /** {@code log:} the write-ahead log of commit decisions. */
  public record LogSettings(Path directory, long segmentSizeBytes, boolean spinWait) {}

  /** {@code transactions:} transaction manager defaults. */
  public record TransactionSettings(Duration defaultTimeout) {}

  /** {@code recovery:} when and how in-doubt branches are resolved. */
  public record RecoverySettings(
      Duration interval, Duration startupTimeout, Duration orphanGrace, List<String> alsoForNodes) {
    public RecoverySettings {
      alsoForNodes = List.copyOf(alsoForNodes);
    }
  }

  /** {@code pool:} the connection pool of one data source. */
  public record PoolSettings(
      int minSize,
      int maxSize,
      Duration acquisitionTimeout,
      Duration idleTimeout,
      Duration maxLifetime,
      Duration leakDetectionThreshold) {}

  /** One entry of {@code datasources:}. */
  public record DataSourceSettings(
      String name,
      DatabaseKind kind,
      String url,
      String user,
      String password,
      boolean xa,
      String markerTable,
      PoolSettings pool,
      int line) {}

  /** One entry of {@code sharding.shards:}. */
  public record ShardSettings(String name, String dataSource, int weight) {}

  /** One entry of {@code sharding.tables:}. */
  public record ShardedTableSettings(String table, String keyColumn) {}

  /** {@code sharding:} how rows are spread over data sources. */
  public record ShardingSettings(
      int slots,
      List<ShardSettings> shards,
      List<ShardedTableSettings> tables,
      List<String> broadcastTables) {
    public ShardingSettings {
      shards = List.copyOf(shards);
      tables = List.copyOf(tables);
      broadcastTables = List.copyOf(broadcastTables);
    }

    public boolean enabled() {
      return !shards.isEmpty();
    }
  }

  /** {@code locks:} where distributed locks and fencing counters live. */
  public record LockSettings(String dataSource, String namespace, Duration leaseTime) {}

  /** {@code demo:} the sizes of the sample bank run by {@code concord demo}. */
  public record DemoSettings(
      int accounts,
      long initialBalance,
      int threads,
      Duration duration,
      int crossShardPercent,
      Duration interestInterval) {}

  /** Reads and checks a configuration file. */
  public static ConcordConfig load(Path file) {
    String name = file.toString();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(name, reader);
    } catch (NoSuchFileException e) {
      throw new ConfigException(name, 0, "", "file not found");
    } catch (IOException e) {
      throw new ConfigException(name, 0, "", "cannot be read: " + e.getMessage());
    }
  }

  /** Reads and checks configuration text; {@code name} is used in error messages. */
  public static ConcordConfig parse(String name, String yaml) {
    return parse(name, new StringReader(yaml));
  }

  static ConcordConfig parse(String name, Reader reader) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      root = new Yaml(options).compose(reader);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ConfigException(name, line, "", "not valid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(name, 0, "", "not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new ConfigException(name, 0, "", "is empty");
    }
    if (!(root instanceof MappingNode mapping)) {
      throw new ConfigException(
          name, ConfigSection.lineOf(root), "", "must be a mapping of keys to values");
    }
    return read(new ConfigSection(name, "", mapping));
  }

  private static ConcordConfig read(ConfigSection root) {
    String nodeId = root.string("node-id", null);
    if (nodeId != null && !NAME.matcher(nodeId).matches()) {
      throw root.error(
          "node-id", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter");
    }

    ConfigSection logSection = root.section("log");
    LogSettings log =
        new LogSettings(
            Path.of(logSection.string("directory", "concord-data/log")),
            logSection.bytes("segment-size", 16L << 20),
            logSection.bool("spin-wait", true));
    if (log.segmentSizeBytes() < 64 << 10) {
      throw logSection.error("segment-size", "must be at least 64KiB");
    }
    logSection.finish();

    ConfigSection txSection = root.section("transactions");
    TransactionSettings transactions =
        new TransactionSettings(positive(txSection, "default-timeout", Duration.ofSeconds(60)));
    txSection.finish();

    ConfigSection recoverySection = root.section("recovery");
    RecoverySettings recovery =
        new RecoverySettings(
            positive(recoverySection, "interval", Duration.ofSeconds(30)),
            positive(recoverySection, "startup-timeout", Duration.ofSeconds(30)),
            positive(recoverySection, "orphan-grace", Duration.ofSeconds(10)),
            recoverySection.strings("also-for-nodes"));
    recoverySection.finish();

    List<DataSourceSettings> dataSources = new ArrayList<>();
    Map<String, DataSourceSettings> byName = new HashMap<>();
    for (ConfigSection ds : root.sections("datasources")) {
      DataSourceSettings settings = dataSource(ds);
      if (byName.put(settings.name(), settings) != null) {
        throw ds.error("name", "data source '" + settings.name() + "' is defined twice");
      }
      dataSources.add(settings);
    }

    ConfigSection shardingSection = root.section("sharding");
    List<ShardSettings> shards = new ArrayList<>();
    Set<String> shardNames = new HashSet<>();
    for (ConfigSection shard : shardingSection.sections("shards")) {
      String dataSource = shard.string("datasource");
      if (!byName.containsKey(dataSource)) {
        throw shard.error(
            "datasource", "no data source named '" + dataSource + "' (see datasources:)");
      }
      String shardName = shard.string("name", dataSource);
      if (!shardNames.add(shardName)) {
        throw shard.error("name", "shard '" + shardName + "' is listed twice");
      }
      shards.add(
          new ShardSettings(shardName, dataSource, shard.integer("weight", 1, 1, 1_000_000)));
      shard.finish();
    }
    List<ShardedTableSettings> tables = new ArrayList<>();
    for (ConfigSection table : shardingSection.sections("tables")) {
      tables.add(new ShardedTableSettings(table.string("name"), table.string("key")));
      table.finish();
    }
    int slots = shardingSection.integer("slots", 16_384, 1, 1 << 20);
    if (Integer.bitCount(slots) != 1) {
      throw shardingSection.error("slots", "must be a power of two, was " + slots);
    }
    ShardingSettings sharding =
        new ShardingSettings(slots, shards, tables, shardingSection.strings("broadcast"));
    if (!tables.isEmpty() && shards.isEmpty()) {
      throw shardingSection.error("tables", "sharded tables need at least one shard");
    }
    shardingSection.finish();

    ConfigSection lockSection = root.section("locks");
    String lockDataSource = lockSection.string("datasource", null);
    if (lockDataSource != null && !byName.containsKey(lockDataSource)) {
      throw lockSection.error("datasource", "no data source named '" + lockDataSource + "'");
    }
    LockSettings locks =
        new LockSettings(
            lockDataSource,
            lockSection.string("namespace", "concord"),
            positive(lockSection, "lease-time", Duration.ofSeconds(30)));
    lockSection.finish();

    ConfigSection demoSection = root.section("demo");
    DemoSettings demo =
        new DemoSettings(
            demoSection.integer("accounts", 1000, 2, 10_000_000),
            demoSection.longValue("initial-balance", 1000, 0),
            demoSection.integer("threads", 8, 1, 1024),
            positive(demoSection, "duration", Duration.ofSeconds(10)),
            demoSection.integer("cross-shard-percent", 80, 0, 100),
            positive(demoSection, "interest-interval", Duration.ofSeconds(2)));
    demoSection.finish();

    root.finish();
    return new ConcordConfig(
        root.file(), nodeId, log, transactions, recovery, dataSources, sharding, locks, demo);
  }

  private static DataSourceSettings dataSource(ConfigSection ds) {
    String name = ds.string("name");
    if (!NAME.matcher(name).matches()) {
      throw ds.error(
          "name", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter");
    }
    String url = ds.string("url");
    DatabaseKind kind = ds.has("kind") ? ds.choice("kind", DatabaseKind.class, null) : kindOf(url);
    if (kind == null) {
      throw ds.error("url", "cannot tell the database from '" + url + "'; set kind:");
    }
    if (!url.startsWith("jdbc:")) {
      throw ds.error("url", "must be a JDBC URL (jdbc:h2:…, jdbc:postgresql:…, jdbc:mariadb:…)");
    }
    ConfigSection poolSection = ds.section("pool");
    PoolSettings pool =
        new PoolSettings(
            poolSection.integer("min-size", 0, 0, 10_000),
            poolSection.integer("max-size", 10, 1, 10_000),
            positive(poolSection, "acquisition-timeout", Duration.ofSeconds(5)),
            positive(poolSection, "idle-timeout", Duration.ofMinutes(10)),
            positive(poolSection, "max-lifetime", Duration.ofMinutes(30)),
            poolSection.duration("leak-detection-threshold", Duration.ZERO));
    if (pool.minSize() > pool.maxSize()) {
      throw poolSection.error(
          "min-size", "is " + pool.minSize() + ", above max-size " + pool.maxSize());
    }
    poolSection.finish();
    DataSourceSettings settings =
        new DataSourceSettings(
            name,
            kind,
            url,
            ds.string("user", kind == DatabaseKind.H2 ? "sa" : ""),
            ds.string("password", ""),
            ds.bool("xa", true),
            ds.string("marker-table", null),
            pool,
            ds.line());
    ds.finish();
    return settings;
  }

  private static DatabaseKind kindOf(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:h2:")) {
      return DatabaseKind.H2;
    }
    if (lower.startsWith("jdbc:postgresql:")) {
      return DatabaseKind.POSTGRES;
    }
    if (lower.startsWith("jdbc:mariadb:") || lower.startsWith("jdbc:mysql:")) {
      return DatabaseKind.MARIADB;
    }
    return null;
  }

  private static Duration positive(ConfigSection section, String key, Duration fallback) {
    Duration value = section.duration(key, fallback);
    if (value.isZero() || value.isNegative()) {
      throw section.error(key, "must be greater than zero");
    }
    return value;
  }

  /** The data source with this name. */
  public DataSourceSettings dataSource(String name) {
    for (DataSourceSettings ds : dataSources) {
      if (ds.name().equals(name)) {
        return ds;
      }
    }
    throw new ConfigException(source, 0, "datasources", "no data source named '" + name + "'");
  }
}
