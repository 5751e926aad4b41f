package io.concord.recovery.crash;

import io.concord.jdbc.ConcordDataSource;
import io.concord.jdbc.LastResourceDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import io.concord.tm.ConcordTransactionManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the crash bank: one set of databases, one log directory and one node id for the harness's
 * life (the same application restarted again and again). {@link #run(RunSpec)} starts a child JVM
 * ({@link BankWorkload}), lets it die at the spec's crash point (or injects a database fault), then
 * starts a TM and recovery in this JVM, as a restarted application would, and checks the bank, the
 * databases' prepared transactions, the log and the heuristics.
 */
final class CrashHarness implements AutoCloseable {
  /** How the databases are combined. */
  enum Layout {
    /** H2 (file), PostgreSQL and MariaDB. */
    ALL_THREE(List.of(DatabaseKind.H2_FILE, DatabaseKind.POSTGRES, DatabaseKind.MARIADB)),
    /** PostgreSQL and MariaDB only: verdicts about Concord, free of H2's own defects. */
    SERVERS(List.of(DatabaseKind.POSTGRES, DatabaseKind.MARIADB)),
    /**
     * PostgreSQL and MariaDB as XA branches plus a non-XA last resource (a second PostgreSQL
     * database behind Concord's marker-table {@code LastResourceDataSource}) that records every
     * transfer in {@code transfer_audit}.
     */
    SERVERS_WITH_LAST_RESOURCE(List.of(DatabaseKind.POSTGRES, DatabaseKind.MARIADB), true);

    final List<DatabaseKind> kinds;
    final boolean lastResource;

    Layout(List<DatabaseKind> kinds) {
      this(kinds, false);
    }

    Layout(List<DatabaseKind> kinds, boolean lastResource) {
      this.kinds = kinds;
      this.lastResource = lastResource;
    }
  }

  /** The marker table of the last resource. */
  static final String MARKER_TABLE = "concord_markers";

  /** A database fault injected while the child is paused before a phase-2 commit. */
  enum Fault {
    NONE,
    /** pg_terminate_backend of every backend of the test database (our child's connections). */
    KILL_POSTGRES_BACKENDS,
    /** pg_ctlcluster restart: disruptive, only with -Dconcord.test.restartPostgres=true. */
    RESTART_POSTGRES,
    /** KILL of every MariaDB session on the test database (our child's connections). */
    KILL_MARIADB_SESSIONS,
    /** After the crash, recovery first sees the target database at a wrong port, then right. */
    UNREACHABLE_DURING_RECOVERY
  }

  /** One run: where to die and what else to break. */
  record RunSpec(
      CrashPoint point, String target, int armAfter, long delayMillis, Fault fault, long seed) {
    @Override
    public String toString() {
      return point
          + (target == null ? "" : "@" + target)
          + (fault == Fault.NONE ? "" : "+" + fault)
          + (point == CrashPoint.RANDOM_HALT || point == CrashPoint.RANDOM_KILL
              ? "(" + delayMillis + "ms)"
              : "");
    }
  }

  /** What one run found. */
  record RunResult(
      RunSpec spec,
      Bank.Verdict verdict,
      List<String> problems,
      int acknowledged,
      int planned,
      int committedByRecovery,
      int rolledBackByRecovery,
      long millis) {
    boolean clean() {
      return verdict.violations().isEmpty() && problems.isEmpty();
    }

    boolean h2Anomaly() {
      return !verdict.h2Anomalies().isEmpty();
    }

    @Override
    public String toString() {
      return spec
          + ": "
          + (clean() ? (h2Anomaly() ? "H2 ANOMALY" : "ok") : "VIOLATION")
          + ", acknowledged "
          + acknowledged
          + "/"
          + planned
          + ", recovery committed "
          + committedByRecovery
          + ", rolled back "
          + rolledBackByRecovery
          + ", "
          + millis
          + " ms"
          + (verdict.violations().isEmpty() ? "" : "\n  violations: " + verdict.violations())
          + (verdict.h2Anomalies().isEmpty() ? "" : "\n  H2 anomalies: " + verdict.h2Anomalies())
          + (problems.isEmpty() ? "" : "\n  problems: " + problems);
    }
  }

  static final int ACCOUNTS = 40;
  static final int THREADS = 4;

  private final Layout layout;
  private final List<TestDatabase> testDatabases = new ArrayList<>();
  private final List<BankDatabase> databases = new ArrayList<>();
  private final BankDatabase lastResource;
  private final Path workDir;
  private final Path logDir;
  private final String node = "crash-" + UUID.randomUUID().toString().substring(0, 8);
  private int runs;

  CrashHarness(Layout layout) throws Exception {
    this.layout = layout;
    this.workDir = Files.createTempDirectory("concord-crash-");
    this.logDir = workDir.resolve("log");
    for (DatabaseKind kind : layout.kinds) {
      TestDatabase db = TestDatabase.create(kind);
      testDatabases.add(db);
      String name =
          switch (kind) {
            case H2_FILE, H2_MEM -> "h2";
            case POSTGRES -> "pg";
            case MARIADB -> "maria";
          };
      databases.add(new BankDatabase(name, kind, db.jdbcUrl(), db.user(), db.password()));
    }
    Bank.create(databases, ACCOUNTS);
    for (BankDatabase db : databases) {
      db.shutdownIfH2();
    }
    if (layout.lastResource) {
      TestDatabase db = TestDatabase.create(DatabaseKind.POSTGRES);
      testDatabases.add(db);
      db.execute("create table transfer_audit (transfer_id bigint primary key)");
      lastResource =
          new BankDatabase("audit", DatabaseKind.POSTGRES, db.jdbcUrl(), db.user(), db.password());
    } else {
      lastResource = null;
    }
  }

  Layout layout() {
    return layout;
  }

  List<String> databaseNames() {
    return databases.stream().map(BankDatabase::name).toList();
  }

  String node() {
    return node;
  }

  Path workDir() {
    return workDir;
  }

  /** Runs one crash and its recovery; never throws for what it finds, only for harness errors. */
  RunResult run(RunSpec spec) throws Exception {
    int run = ++runs;
    long started = System.nanoTime();
    List<String> problems = new ArrayList<>();
    Map<Long, Bank.Plan> plans = new ConcurrentHashMap<>();
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    List<String> heuristics = new ArrayList<>();
    Path stderr = workDir.resolve("child-" + run + ".err");

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add(
        "-Dorg.slf4j.simpleLogger.defaultLogLevel="
            + System.getProperty("concord.crash.childLogLevel", "warn"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BankWorkload.class.getName());
    command.add("log=" + logDir);
    command.add("node=" + node);
    for (BankDatabase db : databases) {
      command.add("db=" + db.encode());
    }
    if (lastResource != null) {
      command.add("lastResource=" + lastResource.encode());
    }
    command.add("accounts=" + ACCOUNTS);
    command.add("threads=" + THREADS);
    command.add("base=" + run * 1_000_000L);
    command.add("point=" + spec.point());
    command.add("target=" + (spec.target() == null ? "" : spec.target()));
    command.add("armAfter=" + spec.armAfter());
    command.add("haltAfterMillis=" + spec.delayMillis());
    command.add("runMillis=" + (spec.point() == CrashPoint.PAUSE_BEFORE_COMMIT ? 500 : 60_000));
    command.add("seed=" + spec.seed());
    Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch paused = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  String[] p = line.split(" ", 3);
                  switch (p[0]) {
                    case "READY" -> ready.countDown();
                    case "PAUSED" -> paused.countDown();
                    case "PLAN" -> {
                      String[] q = line.split(" ");
                      long id = Long.parseLong(q[1]);
                      plans.put(
                          id,
                          new Bank.Plan(
                              id,
                              Long.parseLong(q[2]),
                              Long.parseLong(q[3]),
                              Long.parseLong(q[4])));
                    }
                    case "OK" -> acknowledged.add(Long.parseLong(p[1]));
                    case "HEURISTIC" -> {
                      synchronized (heuristics) {
                        heuristics.add(line);
                      }
                    }
                    default -> {
                      // FAIL, HALT, DONE: informational
                    }
                  }
                }
              } catch (IOException e) {
                // the child died mid-line: what was read is what counts
              }
            },
            "child-reader-" + run);
    reader.start();
    try {
      if (!await(ready, child, 90)) {
        problems.add("child never became ready: " + tail(stderr));
        child.destroyForcibly();
      } else {
        drive(child, spec, paused, problems);
      }
      if (!child.waitFor(90, TimeUnit.SECONDS)) {
        problems.add("child did not end; killed");
        child.destroyForcibly().waitFor();
      }
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly().waitFor();
      }
    }
    reader.join(10_000);
    int exit = child.exitValue();
    boolean expectedExit =
        switch (spec.point()) {
          case RANDOM_KILL -> exit == 137 || exit == CrashPoint.HALT_STATUS;
          case NONE, PAUSE_BEFORE_COMMIT -> exit == 0;
          default -> exit == CrashPoint.HALT_STATUS;
        };
    if (!expectedExit && problems.isEmpty()) {
      problems.add("child ended with status " + exit + ": " + tail(stderr));
    }
    synchronized (heuristics) {
      for (String h : heuristics) {
        problems.add("child reported " + h);
      }
    }

    RecoveryReport report = recover(spec, problems);
    Bank.Verdict verdict = Bank.check(databases, ACCOUNTS, plans, acknowledged);
    if (lastResource != null) {
      problems.addAll(Bank.checkAudit(lastResource, databases, acknowledged));
    }
    for (BankDatabase db : databases) {
      List<String> left = prepared(db);
      if (!left.isEmpty()) {
        problems.add(db.name() + " still has prepared branches of " + node + ": " + left);
      }
      db.shutdownIfH2();
    }
    RunResult result =
        new RunResult(
            spec,
            verdict,
            problems,
            acknowledged.size(),
            plans.size(),
            report == null ? 0 : report.committed().size(),
            report == null ? 0 : report.rolledBack().size(),
            (System.nanoTime() - started) / 1_000_000);
    if (result.clean() && !result.h2Anomaly() && !Boolean.getBoolean("concord.crash.keepLogs")) {
      Files.deleteIfExists(stderr);
    }
    return result;
  }

  private void drive(Process child, RunSpec spec, CountDownLatch paused, List<String> problems)
      throws Exception {
    switch (spec.point()) {
      case RANDOM_KILL -> {
        Thread.sleep(spec.delayMillis());
        child.destroyForcibly();
      }
      case PAUSE_BEFORE_COMMIT -> {
        if (!await(paused, child, 90)) {
          problems.add("child never reached " + spec);
          child.destroyForcibly();
          return;
        }
        injectFault(spec);
        OutputStream in = child.getOutputStream();
        in.write("GO\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      default -> {
        // the child halts itself at the point, or runs to its end
      }
    }
  }

  /** Waits for a line of the child, giving up early when the child has died. */
  private static boolean await(CountDownLatch latch, Process child, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (latch.await(100, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (!child.isAlive()) {
        return latch.await(1, TimeUnit.SECONDS);
      }
    }
    return false;
  }

  private void injectFault(RunSpec spec) throws Exception {
    switch (spec.fault()) {
      case KILL_POSTGRES_BACKENDS -> {
        try (Connection c = database("pg").connect();
            Statement s = c.createStatement()) {
          s.execute(
              "select pg_terminate_backend(pid) from pg_stat_activity"
                  + " where datname = current_database() and pid <> pg_backend_pid()");
        }
      }
      case RESTART_POSTGRES -> {
        Process restart = new ProcessBuilder(postgresRestartCommand()).inheritIO().start();
        if (!restart.waitFor(120, TimeUnit.SECONDS) || restart.exitValue() != 0) {
          throw new IllegalStateException("PostgreSQL restart failed: " + postgresRestartCommand());
        }
      }
      case KILL_MARIADB_SESSIONS -> {
        BankDatabase maria = database("maria");
        try (Connection c = maria.connect();
            Statement s = c.createStatement()) {
          List<Long> ids = new ArrayList<>();
          try (ResultSet rs =
              s.executeQuery(
                  "select id from information_schema.processlist"
                      + " where db = database() and id <> connection_id()")) {
            while (rs.next()) {
              ids.add(rs.getLong(1));
            }
          }
          for (long id : ids) {
            try {
              s.execute("kill " + id);
            } catch (SQLException e) {
              // the session ended by itself meanwhile
            }
          }
        }
      }
      default -> {
        // NONE, UNREACHABLE_DURING_RECOVERY (applied at recovery)
      }
    }
  }

  /** {@code pg_ctlcluster <version> main restart} for the cluster that serves the tests. */
  static List<String> postgresRestartCommand() {
    String cluster = System.getProperty("concord.test.pgCluster", "");
    if (cluster.isEmpty()) {
      try (Stream<Path> versions = Files.list(Path.of("/etc/postgresql"))) {
        cluster =
            versions.map(p -> p.getFileName().toString()).sorted().reduce((x, y) -> y).orElse("15");
      } catch (IOException e) {
        cluster = "15";
      }
    }
    return List.of("pg_ctlcluster", cluster, "main", "restart");
  }

  private BankDatabase database(String name) {
    return databases.stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no database " + name + " in " + layout));
  }

  /**
   * Starts the TM and recovery as a restarted application does, runs start-up recovery, and records
   * what looks wrong. Returns the recovery report.
   */
  private RecoveryReport recover(RunSpec spec, List<String> problems) throws Exception {
    try (TransactionLog log =
        TransactionLog.open(LogOptions.builder(logDir).nodeId(node).build())) {
      ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(node).build();
      RecoveryManager recovery =
          new RecoveryManager(
              log,
              RecoveryOptions.builder(node)
                  .orphanGrace(Duration.ofMillis(100))
                  .startupTimeout(Duration.ofSeconds(30))
                  .retryInitialDelay(Duration.ofMillis(100))
                  .retryMaxDelay(Duration.ofSeconds(1))
                  .interval(Duration.ZERO)
                  .build(),
              InFlightTransactions.of(tm));
      List<ConcordDataSource> pools = new ArrayList<>();
      RecoveryReport report;
      try {
        ConcordDataSource unreachable = null;
        for (BankDatabase db : databases) {
          boolean breakIt =
              spec.fault() == Fault.UNREACHABLE_DURING_RECOVERY && db.name().equals(spec.target());
          ConcordDataSource pool = pool(breakIt ? unreachableTwin(db) : db, tm, recovery);
          pools.add(pool);
          if (breakIt) {
            unreachable = pool;
          }
        }
        if (unreachable != null) {
          RecoveryReport blind = recovery.runOnce();
          if (blind.unreachable().stream().noneMatch(u -> u.resource().contains(spec.target()))) {
            problems.add("recovery did not report " + spec.target() + " unreachable: " + blind);
          }
          // a rollback is right only for a Xid without a COMMIT record
          Set<String> logged = new java.util.HashSet<>();
          log.liveCommits().forEach(r -> logged.add(java.util.HexFormat.of().formatHex(r.gtrid())));
          for (RecoveryReport.Branch b : blind.rolledBack()) {
            if (logged.contains(b.gtrid())) {
              problems.add("recovery rolled back a logged branch while blind: " + b);
            }
          }
          pools.remove(unreachable);
          unreachable.close();
          pools.add(pool(database(spec.target()), tm, recovery));
        }
        LastResourceDataSource audit = lastResource == null ? null : lastResource(tm, recovery);
        try {
          report = recovery.start();
        } finally {
          if (audit != null) {
            audit.close();
          }
        }
      } finally {
        recovery.close();
        for (ConcordDataSource pool : pools) {
          pool.close();
        }
        tm.close();
      }
      if (report.hasWorkLeft()) {
        problems.add("start-up recovery left work:\n" + report.toText());
      }
      if (!report.outstandingHeuristics().isEmpty()) {
        problems.add("heuristic outcomes after recovery:\n" + report.toText());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (!log.liveCommits().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (!log.liveCommits().isEmpty()) {
        problems.add("open COMMIT records after recovery: " + log.liveCommits());
      }
      return report;
    }
  }

  private static ConcordDataSource pool(
      BankDatabase db, ConcordTransactionManager tm, RecoveryManager recovery) {
    return ConcordDataSource.builder(db.xaDataSource())
        .resourceName(db.name())
        .transactionManager(tm)
        .synchronizationRegistry(tm.transactionSynchronizationRegistry())
        .recoveryRegistry(recovery)
        .maxSize(2)
        .build();
  }

  private LastResourceDataSource lastResource(
      ConcordTransactionManager tm, RecoveryManager recovery) {
    return lastResourceDataSource(
        lastResource, tm, tm.transactionSynchronizationRegistry(), recovery);
  }

  /** The audit database as Concord's marker-table last resource (child and harness alike). */
  static LastResourceDataSource lastResourceDataSource(
      BankDatabase db,
      jakarta.transaction.TransactionManager tm,
      jakarta.transaction.TransactionSynchronizationRegistry registry,
      RecoveryManager recovery) {
    org.postgresql.ds.PGSimpleDataSource plain = new org.postgresql.ds.PGSimpleDataSource();
    plain.setUrl(db.urlWithLockTimeout());
    plain.setUser(db.user());
    plain.setPassword(db.password());
    return LastResourceDataSource.builder(plain)
        .resourceName(db.name())
        .transactionManager(tm)
        .synchronizationRegistry(registry)
        .recoveryRegistry(recovery)
        .markerTable(MARKER_TABLE)
        .createMarkerTable(true)
        .build();
  }

  /** The same database as seen through a port where nothing listens. */
  private static BankDatabase unreachableTwin(BankDatabase db) {
    String url = db.url().replaceFirst(":(3306|5432)/", ":1/");
    if (url.equals(db.url())) {
      throw new IllegalArgumentException("cannot make " + db.url() + " unreachable");
    }
    return new BankDatabase(db.name(), db.kind(), url, db.user(), db.password());
  }

  private List<String> prepared(BankDatabase db) throws SQLException {
    try (Connection c = db.connect()) {
      return io.concord.recovery.PreparedBranches.of(c, db.kind(), node);
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (TestDatabase db : testDatabases) {
      db.close();
    }
  }
}
