package io.concord.shard;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ConnectionBuilder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.ShardingKeyBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Tables spread over several databases, one {@link DataSource} per shard of a {@link Topology}.
 *
 * <p>Rows are routed by key ({@link #connectionFor}), never guessed: a plain {@link
 * #getConnection()} and a statement on a sharded table without a key are refused with {@link
 * ShardKeyRequiredException}; {@link #queryAll} reads every shard explicitly. Transactions come
 * from the shard DataSources: Concord DataSources (and any other that enlists itself in JTA) join
 * the caller's transaction, so work on several shards commits by two-phase commit and work on one
 * shard by one-phase commit, with nothing to do here. Broadcast tables are written to every shard
 * inside one JTA transaction, begun here if the caller has none.
 *
 * <p>Scatter-gather takes every shard's connection on the calling thread, where a JTA transaction
 * is bound, so inside a transaction they enlist and the query sees the transaction's own writes.
 * Enlisting pools (Concord's, Agroal) only let the transaction's thread use an enlisted connection,
 * so inside a transaction (known from {@link Builder#transactionManager}) the shards are queried
 * one after another on the calling thread; outside one, in parallel.
 */
public final class ShardedDataSource implements DataSource, AutoCloseable {
  static final String STAMP_TABLE = "concord_shard_topology";

  private final Topology topology;
  private final DataSource[] dataSources;
  private final Map<String, ShardedTable> shardedTables;
  private final Map<String, String> broadcastTables;
  private final TransactionManager transactionManager;
  private final ExecutorService executor;
  private final boolean ownsExecutor;

  private ShardedDataSource(Builder b) {
    this.topology = b.topology;
    this.dataSources = new DataSource[topology.shards().size()];
    for (int i = 0; i < dataSources.length; i++) {
      dataSources[i] = b.dataSources.get(topology.shards().get(i).name());
    }
    this.shardedTables = Map.copyOf(b.shardedTables);
    this.broadcastTables = Map.copyOf(b.broadcastTables);
    this.transactionManager = b.transactionManager;
    this.ownsExecutor = b.executor == null;
    this.executor =
        ownsExecutor
            ? Executors.newFixedThreadPool(
                Math.min(dataSources.length, 32), daemonThreads("concord-shard-query-"))
            : b.executor;
  }

  /** Starts a builder for the given topology. */
  public static Builder builder(Topology topology) {
    return new Builder(topology);
  }

  /** Configures a {@link ShardedDataSource}; {@link #build()} checks it is complete. */
  public static final class Builder {
    private final Topology topology;
    private final Map<String, DataSource> dataSources = new LinkedHashMap<>();
    private final Map<String, ShardedTable> shardedTables = new LinkedHashMap<>();
    private final Map<String, String> broadcastTables = new LinkedHashMap<>();
    private TransactionManager transactionManager;
    private ExecutorService executor;

    private Builder(Topology topology) {
      this.topology = Objects.requireNonNull(topology, "topology");
    }

    /** The DataSource of the shard of this name; every shard of the topology needs one. */
    public Builder shard(String name, DataSource dataSource) {
      topology.shard(name); // unknown names fail here, with the known ones listed
      if (dataSources.put(name, Objects.requireNonNull(dataSource, "dataSource")) != null) {
        throw new IllegalArgumentException("shard '" + name + "' was given two DataSources");
      }
      return this;
    }

    /** A table whose rows live on the shard of their {@code shardKeyColumn} value. */
    public Builder shardedTable(String table, String shardKeyColumn) {
      return shardedTable(ShardedTable.of(table, shardKeyColumn));
    }

    public Builder shardedTable(ShardedTable table) {
      declare(table.name());
      shardedTables.put(SqlNames.key(table.name()), table);
      return this;
    }

    /** A table copied in full to every shard; writes go to all of them atomically. */
    public Builder broadcastTable(String table) {
      SqlNames.requireIdentifier(table, "table name");
      declare(table);
      broadcastTables.put(SqlNames.key(table), table);
      return this;
    }

    /**
     * The JTA transaction manager the shard DataSources enlist with. Needed for broadcast writes
     * (they begin a transaction when the caller has none, so every shard gets the row or none).
     */
    public Builder transactionManager(TransactionManager transactionManager) {
      this.transactionManager = transactionManager;
      return this;
    }

    /**
     * Runs scatter-gather statements; by default a pool of up to 32 daemon threads, closed with the
     * ShardedDataSource. A supplied executor is not closed.
     */
    public Builder executor(ExecutorService executor) {
      this.executor = executor;
      return this;
    }

    public ShardedDataSource build() {
      List<String> missing = new ArrayList<>();
      for (Shard shard : topology.shards()) {
        if (!dataSources.containsKey(shard.name())) {
          missing.add(shard.name());
        }
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException(
            "no DataSource for shard(s) "
                + missing
                + " of topology version "
                + topology.version()
                + "; give one per shard with shard(name, dataSource)");
      }
      return new ShardedDataSource(this);
    }

    private void declare(String table) {
      String key = SqlNames.key(table);
      if (shardedTables.containsKey(key) || broadcastTables.containsKey(key)) {
        throw new IllegalArgumentException("table '" + table + "' is declared twice");
      }
    }
  }

  public Topology topology() {
    return topology;
  }

  /** The shard a key routes to. */
  public Shard shardFor(Object key) {
    return topology.shardFor(key);
  }

  /** A connection to the shard of {@code key}; inside a JTA transaction it is enlisted in it. */
  public Connection connectionFor(Object key) throws SQLException {
    if (key == null) {
      throw new ShardKeyRequiredException("connectionFor(null): a shard key is required");
    }
    return connect(topology.shardIndexFor(key));
  }

  /** A connection to the named shard. */
  public Connection connectionForShard(String shard) throws SQLException {
    return connect(topology.indexOf(shard));
  }

  /**
   * Runs a query on one table. Sharded table: on the shard of {@code shardKey}, which is required.
   * Broadcast table: on the key's shard, or on the first shard when the key is null (every shard
   * holds the same rows).
   */
  public <T> List<T> query(
      String table, Object shardKey, String sql, RowMapper<T> mapper, Object... params)
      throws SQLException {
    int index = readTarget(table, shardKey);
    try (Connection connection = connect(index)) {
      return run(connection, sql, mapper, params, 0, index);
    }
  }

  /**
   * Runs an INSERT/UPDATE/DELETE on one table. Sharded table: on the shard of {@code shardKey},
   * which is required. Broadcast table: on every shard in one JTA transaction (pass a null key);
   * the shards must report the same row count, or the transaction is rolled back.
   */
  public int update(String table, Object shardKey, String sql, Object... params)
      throws SQLException {
    String key = SqlNames.key(table);
    if (broadcastTables.containsKey(key)) {
      if (shardKey != null) {
        throw new SQLException(
            "table '"
                + table
                + "' is a broadcast table, written to every shard; pass no shard key");
      }
      return broadcast(table, sql, params);
    }
    ShardedTable sharded = shardedTable(table);
    if (shardKey == null) {
      throw keyRequired(sharded);
    }
    try (Connection connection = connectionFor(shardKey);
        PreparedStatement statement = prepare(connection, sql, params)) {
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw onShard(e, topology.shardFor(shardKey).name());
    }
  }

  /**
   * Inserts one row given as column → value. A sharded table's row goes to the shard of its
   * shard-key column (which must be present and not null); a broadcast table's row to every shard.
   */
  public int insert(String table, Map<String, ?> row) throws SQLException {
    if (row.isEmpty()) {
      throw new SQLException("insert into " + table + ": the row has no columns");
    }
    StringJoiner columns = new StringJoiner(", ");
    StringJoiner marks = new StringJoiner(", ");
    Object[] values = new Object[row.size()];
    int i = 0;
    for (Map.Entry<String, ?> column : row.entrySet()) {
      columns.add(SqlNames.requireIdentifier(column.getKey(), "column name"));
      marks.add("?");
      values[i++] = column.getValue();
    }
    String sql =
        "insert into "
            + SqlNames.requireIdentifier(table, "table name")
            + " ("
            + columns
            + ") values ("
            + marks
            + ")";
    if (broadcastTables.containsKey(SqlNames.key(table))) {
      return broadcast(table, sql, values);
    }
    ShardedTable sharded = shardedTable(table);
    Object key = null;
    for (Map.Entry<String, ?> column : row.entrySet()) {
      if (column.getKey().equalsIgnoreCase(sharded.shardKeyColumn())) {
        key = column.getValue();
      }
    }
    if (key == null) {
      throw new ShardKeyRequiredException(
          "insert into "
              + table
              + ": the row has no value for its shard-key column "
              + sharded.shardKeyColumn());
    }
    return update(table, key, sql, values);
  }

  /**
   * Runs a query on every shard in parallel and returns all rows, shard by shard in topology order.
   * For a sharded table that is exactly the union of its rows.
   */
  public <T> List<T> queryAll(String sql, RowMapper<T> mapper, Object... params)
      throws SQLException {
    List<List<T>> perShard = scatter(sql, mapper, params, 0);
    List<T> all = new ArrayList<>();
    perShard.forEach(all::addAll);
    return all;
  }

  /**
   * Runs a query on every shard in parallel and returns the first {@code limit} rows in {@code
   * order}. Each shard returns at most {@code limit} rows, which must already be in that order
   * (write the matching ORDER BY); a shard whose rows are not is reported, not silently merged
   * wrong. Ties keep topology order.
   */
  public <T> List<T> queryAllOrdered(
      String sql, RowMapper<T> mapper, Comparator<? super T> order, int limit, Object... params)
      throws SQLException {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    Objects.requireNonNull(order, "order");
    List<List<T>> perShard = scatter(sql, mapper, params, limit);
    for (int s = 0; s < perShard.size(); s++) {
      List<T> rows = perShard.get(s);
      for (int r = 1; r < rows.size(); r++) {
        if (order.compare(rows.get(r - 1), rows.get(r)) > 0) {
          throw new SQLException(
              "rows from shard '"
                  + topology.shards().get(s).name()
                  + "' are not in the requested order (row "
                  + (r + 1)
                  + " sorts before row "
                  + r
                  + "); give the query an ORDER BY that matches the comparator");
        }
      }
    }
    PriorityQueue<int[]> heads =
        new PriorityQueue<>(
            (a, b) -> {
              int c = order.compare(perShard.get(a[0]).get(a[1]), perShard.get(b[0]).get(b[1]));
              return c != 0 ? c : Integer.compare(a[0], b[0]);
            });
    for (int s = 0; s < perShard.size(); s++) {
      if (!perShard.get(s).isEmpty()) {
        heads.add(new int[] {s, 0});
      }
    }
    List<T> merged = new ArrayList<>(limit);
    while (merged.size() < limit && !heads.isEmpty()) {
      int[] head = heads.poll();
      List<T> rows = perShard.get(head[0]);
      merged.add(rows.get(head[1]));
      if (head[1] + 1 < rows.size()) {
        heads.add(new int[] {head[0], head[1] + 1});
      }
    }
    return merged;
  }

  /**
   * Records this topology's version and fingerprint in every shard (table {@value #STAMP_TABLE}),
   * so that {@link #verifyTopology()} on every node can prove they all route alike. Refuses to
   * overwrite a newer version: a node with a stale topology must not win.
   */
  public void publishTopology() throws SQLException {
    for (int i = 0; i < dataSources.length; i++) {
      String shard = topology.shards().get(i).name();
      try (Connection connection = connect(i)) {
        TopologyStamp.publish(connection, shard, topology);
      } catch (SQLException e) {
        throw onShard(e, shard);
      }
    }
  }

  /**
   * Checks every shard records this topology (same version and fingerprint) and its own name, so a
   * node with an old topology file, or a DataSource wired to the wrong database, is stopped with
   * {@link TopologyMismatchException} before it routes a row.
   */
  public void verifyTopology() throws SQLException {
    for (int i = 0; i < dataSources.length; i++) {
      String shard = topology.shards().get(i).name();
      try (Connection connection = connect(i)) {
        TopologyStamp.verify(connection, shard, topology);
      } catch (SQLException e) {
        throw onShard(e, shard);
      }
    }
  }

  /** Refused: a sharded DataSource cannot pick a shard without a key. */
  @Override
  public Connection getConnection() throws SQLException {
    throw new ShardKeyRequiredException(
        "ShardedDataSource.getConnection() has no shard key: use connectionFor(key),"
            + " createConnectionBuilder().shardingKey(...), or queryAll(...) for every shard");
  }

  /** Refused, like {@link #getConnection()}. */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return getConnection();
  }

  /** JDBC 4.3 sharding keys: one subkey routes as itself, several as a {@link CompositeKey}. */
  @Override
  public ShardingKeyBuilder createShardingKeyBuilder() {
    return new JdbcShardingKeys.KeyBuilder();
  }

  /** A builder whose {@code shardingKey(...)} routes the connection; without one it is refused. */
  @Override
  public ConnectionBuilder createConnectionBuilder() {
    return new JdbcShardingKeys.RoutedConnectionBuilder(this);
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    throw new SQLFeatureNotSupportedException("set the log writer on each shard's DataSource");
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    throw new SQLFeatureNotSupportedException("set the login timeout on each shard's DataSource");
  }

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("Concord logs through SLF4J");
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("ShardedDataSource does not wrap a " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }

  /** Stops the scatter-gather threads it created; the shard DataSources are the caller's. */
  @Override
  public void close() {
    if (ownsExecutor) {
      executor.shutdown();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private Connection connect(int index) throws SQLException {
    try {
      return dataSources[index].getConnection();
    } catch (SQLException e) {
      throw onShard(e, topology.shards().get(index).name());
    }
  }

  private ShardedTable shardedTable(String table) throws SQLException {
    ShardedTable sharded = shardedTables.get(SqlNames.key(table));
    if (sharded == null) {
      throw new SQLException(
          "table '"
              + table
              + "' is neither a sharded nor a broadcast table of this ShardedDataSource; declare"
              + " it with shardedTable(...) or broadcastTable(...)");
    }
    return sharded;
  }

  private int readTarget(String table, Object shardKey) throws SQLException {
    if (broadcastTables.containsKey(SqlNames.key(table))) {
      return shardKey == null ? 0 : topology.shardIndexFor(shardKey);
    }
    ShardedTable sharded = shardedTable(table);
    if (shardKey == null) {
      throw keyRequired(sharded);
    }
    return topology.shardIndexFor(shardKey);
  }

  private static ShardKeyRequiredException keyRequired(ShardedTable table) {
    return new ShardKeyRequiredException(
        "table '"
            + table.name()
            + "' is sharded by "
            + table.shardKeyColumn()
            + ": give its value as the shard key, or use queryAll(...) to read every shard");
  }

  private int broadcast(String table, String sql, Object[] params) throws SQLException {
    if (transactionManager == null) {
      throw new SQLException(
          "table '"
              + table
              + "' is a broadcast table: writing it to every shard is atomic only in one JTA"
              + " transaction; configure transactionManager(...) on the ShardedDataSource");
    }
    boolean own;
    try {
      own = transactionManager.getStatus() == Status.STATUS_NO_TRANSACTION;
      if (own) {
        transactionManager.begin();
      }
    } catch (SystemException | jakarta.transaction.NotSupportedException e) {
      throw new SQLException("cannot begin the transaction for broadcast table " + table, e);
    }
    try {
      int[] counts = new int[dataSources.length];
      for (int i = 0; i < dataSources.length; i++) {
        try (Connection connection = connect(i);
            PreparedStatement statement = prepare(connection, sql, params)) {
          counts[i] = statement.executeUpdate();
        } catch (SQLException e) {
          throw onShard(e, topology.shards().get(i).name());
        }
      }
      for (int i = 1; i < counts.length; i++) {
        if (counts[i] != counts[0]) {
          throw new SQLException(
              "broadcast table '"
                  + table
                  + "' has diverged: the same statement changed "
                  + java.util.Arrays.toString(counts)
                  + " rows on shards "
                  + topology.shards().stream().map(Shard::name).toList()
                  + "; the transaction is rolled back");
        }
      }
      if (own) {
        transactionManager.commit();
      }
      return counts[0];
    } catch (SQLException | RuntimeException e) {
      abandon(own, e);
      throw e;
    } catch (jakarta.transaction.RollbackException
        | jakarta.transaction.HeuristicMixedException
        | jakarta.transaction.HeuristicRollbackException
        | SystemException e) {
      throw new SQLException(
          "broadcast write to '" + table + "' did not commit on every shard: " + e, e);
    }
  }

  /** After a failed broadcast: roll back our own transaction, or doom the caller's. */
  private void abandon(boolean own, Exception failure) {
    try {
      if (own) {
        transactionManager.rollback();
      } else {
        transactionManager.setRollbackOnly();
      }
    } catch (SystemException | IllegalStateException e) {
      failure.addSuppressed(e);
    }
  }

  private <T> List<List<T>> scatter(String sql, RowMapper<T> mapper, Object[] params, int limit)
      throws SQLException {
    int n = dataSources.length;
    Connection[] connections = new Connection[n];
    SQLException failure = null;
    try {
      for (int i = 0; i < n; i++) {
        connections[i] = connect(i);
      }
      if (inTransaction()) {
        List<List<T>> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          results.add(run(connections[i], sql, mapper, params, limit, i));
        }
        return results;
      }
      List<Future<List<T>>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int shard = i;
        futures.add(
            executor.submit(() -> run(connections[shard], sql, mapper, params, limit, shard)));
      }
      List<List<T>> results = new ArrayList<>(n);
      boolean interrupted = false;
      for (int i = 0; i < n; i++) {
        while (true) {
          try {
            results.add(futures.get(i).get());
            break;
          } catch (InterruptedException e) {
            // Connections are still in use by the workers: wait for them, then report.
            interrupted = true;
          } catch (ExecutionException e) {
            SQLException error =
                e.getCause() instanceof SQLException
                    ? (SQLException) e.getCause()
                    : new SQLException(
                        "query failed on shard '" + topology.shards().get(i).name() + "'",
                        e.getCause());
            if (failure == null) {
              failure = error;
            } else {
              failure.addSuppressed(error);
            }
            results.add(List.of());
            break;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure != null) {
        throw failure;
      }
      return results;
    } finally {
      for (Connection connection : connections) {
        if (connection != null) {
          try {
            connection.close();
          } catch (SQLException e) {
            if (failure != null) {
              failure.addSuppressed(e);
            }
          }
        }
      }
    }
  }

  private boolean inTransaction() throws SQLException {
    try {
      return transactionManager != null
          && transactionManager.getStatus() != Status.STATUS_NO_TRANSACTION;
    } catch (SystemException e) {
      throw new SQLException("cannot ask the transaction manager for the current transaction", e);
    }
  }

  private <T> List<T> run(
      Connection connection, String sql, RowMapper<T> mapper, Object[] params, int limit, int shard)
      throws SQLException {
    try (PreparedStatement statement = prepare(connection, sql, params)) {
      if (limit > 0) {
        statement.setMaxRows(limit);
      }
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw onShard(e, topology.shards().get(shard).name());
    }
  }

  private static PreparedStatement prepare(Connection connection, String sql, Object[] params)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  /** The same error, with the shard named, keeping SQLState and vendor code for callers. */
  private static SQLException onShard(SQLException e, String shard) {
    if (e instanceof ShardKeyRequiredException
        || (e.getMessage() != null && e.getMessage().startsWith("shard '"))) {
      return e;
    }
    SQLException named =
        new SQLException(
            "shard '" + shard + "': " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
    return named;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
