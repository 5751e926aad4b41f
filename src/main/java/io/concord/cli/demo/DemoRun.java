package io.concord.cli.demo;

import io.concord.config.ConcordConfig.DatabaseKind;
import io.concord.config.ConcordConfig.DemoSettings;
import io.concord.config.ConcordRuntime;
import io.concord.lock.LockService;
import io.concord.recovery.RecoveryReport;
import io.concord.shard.ShardedDataSource;
import io.concord.tm.TransactionStatistics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The sharded bank: creates the schema on every shard, loads accounts routed by the consistent-hash
 * router (or resumes the accounts a previous run left, after recovery has finished its in-doubt
 * transfers), runs concurrent transfers and a lock-guarded interest job, and checks that money was
 * neither created nor destroyed.
 */
public final class DemoRun {
  private final ConcordRuntime runtime;
  private final ShardedDataSource shards;
  private final LockService locks;
  private final DataSource lockDatabase;
  private final DemoSettings settings;
  private final PrintStream out;
  private final BankService bank;
  private final LongAdder transfersCommitted = new LongAdder();
  private final LongAdder transfersRolledBack = new LongAdder();
  private final LongAdder insufficientFunds = new LongAdder();
  private final LongAdder interestRuns = new LongAdder();
  private final LatencyRecorder latencies = new LatencyRecorder();
  private final AtomicLong transferIds = new AtomicLong(System.currentTimeMillis() << 16);

  public DemoRun(ConcordRuntime runtime, DemoSettings settings, PrintStream out) {
    this.runtime = runtime;
    this.shards =
        runtime
            .sharded()
            .orElseThrow(() -> new IllegalArgumentException("the demo needs a sharding: section"));
    this.locks =
        runtime
            .locks()
            .orElseThrow(() -> new IllegalArgumentException("the demo needs locks.datasource"));
    this.lockDatabase = runtime.dataSource(runtime.config().locks().dataSource());
    this.settings = settings;
    this.out = out;
    this.bank =
        runtime
            .transactional()
            .proxy(BankService.class, new ShardedBank(shards, locks, lockDatabase));
  }

  /** Creates the bank's tables on every shard (idempotent). */
  public void createSchema() throws SQLException, IOException {
    for (String name : runtime.dataSourceNames()) {
      DatabaseKind kind = runtime.config().dataSource(name).kind();
      String script = script(kind);
      try (Connection c = runtime.dataSource(name).getConnection();
          Statement s = c.createStatement()) {
        for (String statement : statements(script)) {
          s.execute(statement);
        }
      }
    }
  }

  /**
   * Loads the accounts unless a previous run left some (then the demo resumes them, so a crash and
   * a restart show recovery at work). Returns the number of accounts.
   */
  public long loadOrResume(boolean reset) throws SQLException {
    long existing = count("select count(*) from account");
    if (existing > 0 && !reset) {
      out.printf("resuming %d accounts from the previous run%n", existing);
      return existing;
    }
    for (String name : runtime.dataSourceNames()) {
      try (Connection c = runtime.dataSource(name).getConnection();
          Statement s = c.createStatement()) {
        s.executeUpdate("delete from account");
        s.executeUpdate("delete from transfer_leg");
        s.executeUpdate("delete from interest_run");
      }
    }
    Map<String, List<Long>> byShard = new LinkedHashMap<>();
    for (long id = 1; id <= settings.accounts(); id++) {
      byShard.computeIfAbsent(shards.shardFor(id).name(), k -> new ArrayList<>()).add(id);
    }
    for (Map.Entry<String, List<Long>> entry : byShard.entrySet()) {
      try (Connection c = shards.connectionForShard(entry.getKey());
          PreparedStatement s =
              c.prepareStatement("insert into account (id, balance) values (?, ?)")) {
        for (long id : entry.getValue()) {
          s.setLong(1, id);
          s.setLong(2, settings.initialBalance());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    // Run 0 records the money put in at the start: the expected total is the sum of all runs.
    try (Connection c = lockDatabase.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "insert into interest_run (run_id, fence, total) values (0, 0, ?)")) {
      s.setLong(1, settings.accounts() * settings.initialBalance());
      s.executeUpdate();
    }
    out.printf(
        "loaded %d accounts over %d shards: %s%n",
        settings.accounts(), byShard.size(), sizes(byShard));
    return settings.accounts();
  }

  /** Runs transfers and the interest job for the configured duration (or until halted). */
  public void run(boolean progress) throws InterruptedException, SQLException {
    long[] ids = accountIds();
    Map<String, long[]> byShard = accountsByShard(ids);
    String[] shardNames = byShard.keySet().toArray(String[]::new);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService workers = Executors.newFixedThreadPool(settings.threads() + 1);
    long durationMillis = settings.duration().toMillis();
    long start = System.nanoTime();
    for (int t = 0; t < settings.threads(); t++) {
      workers.execute(() -> transfers(stop, byShard, shardNames));
    }
    workers.execute(() -> interest(stop, ids));
    try (ProgressBar bar = progress ? progressBar(durationMillis) : null) {
      long elapsed;
      do {
        Thread.sleep(200);
        elapsed = (System.nanoTime() - start) / 1_000_000;
        if (bar != null) {
          bar.stepTo(Math.min(elapsed, durationMillis));
          double seconds = Math.max(elapsed / 1000.0, 0.001);
          bar.setExtraMessage(
              String.format(
                  "%,.0f tx/s, p99 %.0f ms, %d rolled back",
                  transfersCommitted.sum() / seconds,
                  latencies.p99Micros() / 1000.0,
                  transfersRolledBack.sum()));
        }
      } while (elapsed < durationMillis);
    } finally {
      stop.set(true);
      workers.shutdown();
      if (!workers.awaitTermination(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("demo workers did not stop within 2 minutes");
      }
    }
  }

  private static ProgressBar progressBar(long durationMillis) {
    return new ProgressBarBuilder()
        .setTaskName("transfers")
        .setInitialMax(durationMillis)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit("s", 1000)
        .setMaxRenderedLength(110)
        .setUpdateIntervalMillis(200)
        .build();
  }

  private void transfers(AtomicBoolean stop, Map<String, long[]> byShard, String[] shardNames) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (!stop.get()) {
      long[] fromShard = byShard.get(shardNames[random.nextInt(shardNames.length)]);
      long from = fromShard[random.nextInt(fromShard.length)];
      long to;
      boolean cross = shardNames.length > 1 && random.nextInt(100) < settings.crossShardPercent();
      if (cross) {
        String other;
        do {
          other = shardNames[random.nextInt(shardNames.length)];
        } while (byShard.get(other) == fromShard);
        long[] toShard = byShard.get(other);
        to = toShard[random.nextInt(toShard.length)];
      } else {
        if (fromShard.length < 2) {
          continue;
        }
        do {
          to = fromShard[random.nextInt(fromShard.length)];
        } while (to == from);
      }
      long amount = 1 + random.nextLong(Math.max(1, settings.initialBalance() / 4));
      long begin = System.nanoTime();
      try {
        bank.transfer(transferIds.incrementAndGet(), from, to, amount);
        transfersCommitted.increment();
        latencies.record((System.nanoTime() - begin) / 1000);
      } catch (InsufficientFundsException e) {
        insufficientFunds.increment();
        transfersRolledBack.increment();
      } catch (RuntimeException e) {
        // lock timeouts, transaction timeouts and other rollbacks: counted, never hidden
        transfersRolledBack.increment();
      }
    }
  }

  private void interest(AtomicBoolean stop, long[] ids) {
    long interval = settings.interestInterval().toMillis();
    long runId = System.currentTimeMillis();
    while (!stop.get()) {
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long[] sample = random.longs(10, 0, ids.length).map(i -> ids[(int) i]).distinct().toArray();
      Arrays.sort(sample);
      try {
        bank.postInterest(++runId, sample, 1 + random.nextInt(5));
        interestRuns.increment();
      } catch (RuntimeException e) {
        // a busy lock or a rolled-back run posts nothing; the next interval tries again
      }
    }
  }

  /** Checks the books and builds the summary. */
  public Summary summarize(RecoveryReport startupRecovery) throws SQLException {
    long total = sum("select coalesce(sum(balance), 0) from account");
    long expected;
    try (Connection c = lockDatabase.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select coalesce(sum(total), 0) from interest_run")) {
      rs.next();
      expected = rs.getLong(1);
    }
    Map<Long, Long> legs = new HashMap<>();
    Map<Long, Long> amounts = new HashMap<>();
    for (long[] row :
        shards.queryAll(
            "select transfer_id, count(*), sum(amount) from transfer_leg group by transfer_id",
            rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})) {
      legs.merge(row[0], row[1], Long::sum);
      amounts.merge(row[0], row[2], Long::sum);
    }
    long broken = 0;
    for (Map.Entry<Long, Long> e : legs.entrySet()) {
      if (e.getValue() != 2 || amounts.get(e.getKey()) != 0) {
        broken++;
      }
    }
    Map<String, Long> rowsPerShard = new LinkedHashMap<>();
    for (String shard : runtime.config().sharding().shards().stream().map(x -> x.name()).toList()) {
      try (Connection c = shards.connectionForShard(shard);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select count(*) from account")) {
        rs.next();
        rowsPerShard.put(shard, rs.getLong(1));
      }
    }
    TransactionStatistics stats = runtime.transactionManager().statistics();
    return new Summary(
        transfersCommitted.sum(),
        transfersRolledBack.sum(),
        insufficientFunds.sum(),
        interestRuns.sum(),
        stats.committedOnePhase(),
        stats.committedTwoPhase(),
        total,
        expected,
        legs.size(),
        broken,
        rowsPerShard,
        latencies.p50Micros(),
        latencies.p99Micros(),
        runtime.log().sizeOnDiskBytes(),
        startupRecovery == null ? 0 : startupRecovery.committed().size(),
        startupRecovery == null ? 0 : startupRecovery.rolledBack().size());
  }

  private long[] accountIds() throws SQLException {
    List<Long> ids = shards.queryAll("select id from account", rs -> rs.getLong(1));
    long[] result = ids.stream().mapToLong(Long::longValue).sorted().toArray();
    if (result.length < 2) {
      throw new IllegalStateException("the demo needs at least two accounts");
    }
    return result;
  }

  private Map<String, long[]> accountsByShard(long[] ids) {
    Map<String, List<Long>> lists = new LinkedHashMap<>();
    for (long id : ids) {
      lists.computeIfAbsent(shards.shardFor(id).name(), k -> new ArrayList<>()).add(id);
    }
    Map<String, long[]> result = new LinkedHashMap<>();
    lists.forEach((k, v) -> result.put(k, v.stream().mapToLong(Long::longValue).toArray()));
    return result;
  }

  private long count(String sql) throws SQLException {
    return sum(sql);
  }

  private long sum(String sql) throws SQLException {
    long total = 0;
    for (long value : shards.queryAll(sql, rs -> rs.getLong(1))) {
      total += value;
    }
    return total;
  }

  private static String sizes(Map<String, List<Long>> byShard) {
    StringBuilder sb = new StringBuilder();
    byShard.forEach(
        (k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v.size()));
    return sb.toString();
  }

  static String script(DatabaseKind kind) throws IOException {
    String resource =
        "/concord/sql/" + kind.name().toLowerCase(java.util.Locale.ROOT) + "/bank.sql";
    try (InputStream in = DemoRun.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("missing resource " + resource + " (built from sql/)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static List<String> statements(String script) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        result.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    return result;
  }

  /** What a run did and whether the books balance. */
  public record Summary(
      long committed,
      long rolledBack,
      long insufficientFunds,
      long interestRuns,
      long onePhase,
      long twoPhase,
      long totalBalance,
      long expectedBalance,
      long transfers,
      long brokenTransfers,
      Map<String, Long> accountsPerShard,
      long p50Micros,
      long p99Micros,
      long logBytes,
      int recoveredCommitted,
      int recoveredRolledBack) {

    public boolean invariantHolds() {
      return totalBalance == expectedBalance && brokenTransfers == 0;
    }

    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("committed", committed);
      m.put("rolledBack", rolledBack);
      m.put("insufficientFunds", insufficientFunds);
      m.put("interestRuns", interestRuns);
      m.put("onePhase", onePhase);
      m.put("twoPhase", twoPhase);
      m.put("totalBalance", totalBalance);
      m.put("expectedBalance", expectedBalance);
      m.put("transfersInBooks", transfers);
      m.put("brokenTransfers", brokenTransfers);
      m.put("invariantHolds", invariantHolds());
      m.put("accountsPerShard", accountsPerShard);
      m.put("p50Micros", p50Micros);
      m.put("p99Micros", p99Micros);
      m.put("logBytes", logBytes);
      m.put("recoveredCommitted", recoveredCommitted);
      m.put("recoveredRolledBack", recoveredRolledBack);
      return m;
    }
  }
}
