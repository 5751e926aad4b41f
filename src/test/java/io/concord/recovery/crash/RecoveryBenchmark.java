package io.concord.recovery.crash;

import io.concord.jdbc.ConcordDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.DriverRecoverySource;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.PreparedBranches;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import io.concord.tm.ConcordTransactionManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Recovery of many in-doubt transactions: a child JVM ({@link InDoubtPreparer}) prepares {@code
 * transactions} two-branch transactions over H2 (file), PostgreSQL and MariaDB with raw XA calls,
 * logs their COMMIT records and halts; this JVM then times one recovery pass that commits every
 * branch through Concord DataSources' recovery resources, and checks that every row is there and
 * nothing is left prepared.
 *
 * <p>PostgreSQL's {@code max_prepared_transactions} is 128 on the shared test server (raising it
 * needs a restart), so at most {@code postgres} (default 100) transactions have a PostgreSQL
 * branch; the others have an H2 and a MariaDB branch.
 *
 * <p>Run: {@code mvn -o -q test-compile && java -cp "target/test-classes:target/classes:$(cat
 * target/classpath.txt)" io.concord.recovery.crash.RecoveryBenchmark --transactions 10000
 * --postgres 100} (see docs/recovery.md for the classpath step), or {@code mvn -o test
 * -Dtest=RecoveryBenchmarkTest -Dconcord.bench.transactions=10000}.
 */
public final class RecoveryBenchmark {
  private RecoveryBenchmark() {}

  /** What one benchmark run measured. */
  record Result(
      int transactions,
      int postgres,
      int branchesPerTransaction,
      int connections,
      long prepareMillis,
      long recoveryMillis,
      int committed,
      int ended,
      Map<String, Integer> committedPerResource,
      List<String> problems) {

    String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("%-34s %10s%n", "in-doubt transactions", transactions));
      out.append(String.format("%-34s %10s%n", "  with a PostgreSQL branch", postgres));
      out.append(String.format("%-34s %10s%n", "branches per transaction", branchesPerTransaction));
      out.append(
          String.format(
              "%-34s %10s%n",
              "recovery connections per database",
              connections == 0 ? "1 (ConcordDataSource)" : connections + " (driver)"));
      for (Map.Entry<String, Integer> e : committedPerResource.entrySet()) {
        out.append(
            String.format("%-34s %10s%n", "branches committed on " + e.getKey(), e.getValue()));
      }
      out.append(String.format("%-34s %10s%n", "branches committed", committed));
      out.append(String.format("%-34s %10s%n", "COMMIT records ended", ended));
      out.append(
          String.format("%-34s %10.1f%n", "preparation (s, not timed)", prepareMillis / 1000.0));
      out.append(String.format("%-34s %10.2f%n", "recovery pass (s)", recoveryMillis / 1000.0));
      out.append(
          String.format(
              "%-34s %10.0f%n",
              "transactions recovered per second",
              transactions / Math.max(0.001, recoveryMillis / 1000.0)));
      out.append(String.format("%-34s %10s%n", "problems", problems.isEmpty() ? "none" : problems));
      return out.toString();
    }
  }

  public static void main(String[] args) throws Exception {
    int transactions = 10_000;
    int postgres = 100;
    int threads = 8;
    int connections = 0;
    int branches = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--transactions" -> transactions = Integer.parseInt(args[++i]);
        case "--postgres" -> postgres = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--branches" -> branches = Integer.parseInt(args[++i]);
        default -> {
          System.err.println(
              "usage: RecoveryBenchmark [--transactions N] [--postgres M<=100] [--threads T]"
                  + " [--connections K] [--branches 1|2]");
          System.exit(2);
        }
      }
    }
    Result result = run(transactions, postgres, threads, connections, branches);
    System.out.print(result.table());
    System.exit(result.problems().isEmpty() ? 0 : 1);
  }

  /**
   * @param connections 0: recover through Concord DataSources (one recovery connection per
   *     database, the production path); K &gt; 0: through a driver-level source handing out K
   *     connections per database, which recovery spreads the branches over
   */
  static Result run(int transactions, int postgres, int threads, int connections, int branches)
      throws Exception {
    if (branches != 1 && branches != 2) {
      throw new IllegalArgumentException(
          "branches per transaction must be 1 or 2, got " + branches);
    }
    if (postgres > 100 || postgres > transactions) {
      throw new IllegalArgumentException(
          "at most 100 (and at most --transactions) PostgreSQL transactions:"
              + " max_prepared_transactions is 128 on the shared test server");
    }
    List<TestDatabase> created = new ArrayList<>();
    try {
      Map<String, BankDatabase> dbs = new LinkedHashMap<>();
      for (DatabaseKind kind :
          List.of(DatabaseKind.H2_FILE, DatabaseKind.POSTGRES, DatabaseKind.MARIADB)) {
        TestDatabase db = TestDatabase.create(kind);
        created.add(db);
        db.execute(
            "create table bench (id bigint primary key)"
                + (kind == DatabaseKind.MARIADB ? " engine=InnoDB" : ""));
        String name =
            switch (kind) {
              case H2_FILE, H2_MEM -> "h2";
              case POSTGRES -> "pg";
              case MARIADB -> "maria";
            };
        dbs.put(name, new BankDatabase(name, kind, db.jdbcUrl(), db.user(), db.password()));
      }
      dbs.get("h2").shutdownIfH2();
      Path work = Files.createTempDirectory("concord-recovery-bench-");
      Path logDir = work.resolve("log");
      String node = "bench-" + UUID.randomUUID().toString().substring(0, 8);

      long prepareStart = System.nanoTime();
      prepareInChild(logDir, node, dbs, transactions, postgres, threads, branches, work);
      long prepareMillis = (System.nanoTime() - prepareStart) / 1_000_000;

      List<String> problems = new ArrayList<>();
      RecoveryReport report;
      long recoveryMillis;
      try (TransactionLog log =
          TransactionLog.open(LogOptions.builder(logDir).nodeId(node).build())) {
        if (log.liveCommits().size() != transactions) {
          problems.add(
              "the log holds " + log.liveCommits().size() + " COMMIT records, not " + transactions);
        }
        ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(node).build();
        RecoveryManager recovery =
            new RecoveryManager(
                log,
                RecoveryOptions.builder(node)
                    .orphanGrace(Duration.ZERO)
                    .interval(Duration.ZERO)
                    .build(),
                InFlightTransactions.of(tm));
        List<ConcordDataSource> pools = new ArrayList<>();
        for (BankDatabase db : dbs.values()) {
          if (connections > 0) {
            recovery.addXAResourceRecovery(
                new DriverRecoverySource(db.name(), db.xaDataSource(), connections));
            continue;
          }
          pools.add(
              ConcordDataSource.builder(db.xaDataSource())
                  .resourceName(db.name())
                  .transactionManager(tm)
                  .synchronizationRegistry(tm.transactionSynchronizationRegistry())
                  .recoveryRegistry(recovery)
                  .maxSize(1)
                  .build());
        }
        try {
          long start = System.nanoTime();
          report = recovery.runOnce();
          recoveryMillis = (System.nanoTime() - start) / 1_000_000;
        } finally {
          recovery.close();
          pools.forEach(ConcordDataSource::close);
          tm.close();
        }
      }
      Map<String, Integer> perResource = new TreeMap<>();
      for (RecoveryReport.Branch b : report.committed()) {
        perResource.merge(b.resource(), 1, Integer::sum);
      }
      if (report.committed().size() != branches * transactions) {
        problems.add(
            "committed " + report.committed().size() + " branches, not " + branches * transactions);
      }
      if (report.hasWorkLeft()) {
        problems.add("work left:\n" + report.toText().lines().limit(20).toList());
      }
      long rest = (long) transactions - postgres;
      Map<String, Long> expectedRows =
          branches == 2
              ? Map.of("h2", rest, "pg", (long) postgres, "maria", (long) transactions)
              : Map.of("h2", (rest + 1) / 2, "pg", (long) postgres, "maria", rest / 2);
      for (BankDatabase db : dbs.values()) {
        try (Connection c = db.connect();
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("select count(*) from bench")) {
          rs.next();
          if (rs.getLong(1) != expectedRows.get(db.name())) {
            problems.add(
                db.name()
                    + " has "
                    + rs.getLong(1)
                    + " rows, expected "
                    + expectedRows.get(db.name()));
          }
          List<String> left = PreparedBranches.of(c, db.kind(), node);
          if (!left.isEmpty()) {
            problems.add(db.name() + " still has " + left.size() + " prepared branches");
          }
        }
        db.shutdownIfH2();
      }
      return new Result(
          transactions,
          postgres,
          branches,
          connections,
          prepareMillis,
          recoveryMillis,
          report.committed().size(),
          report.endedRecords(),
          perResource,
          problems);
    } finally {
      for (TestDatabase db : created) {
        db.close();
      }
    }
  }

  private static void prepareInChild(
      Path logDir,
      String node,
      Map<String, BankDatabase> dbs,
      int transactions,
      int postgres,
      int threads,
      int branches,
      Path work)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(InDoubtPreparer.class.getName());
    command.add("log=" + logDir);
    command.add("node=" + node);
    for (BankDatabase db : dbs.values()) {
      command.add("db=" + db.encode());
    }
    command.add("transactions=" + transactions);
    command.add("postgres=" + postgres);
    command.add("threads=" + threads);
    command.add("branches=" + branches);
    Path stderr = work.resolve("preparer.err");
    Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    String prepared = null;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("PREPARED")) {
          prepared = line;
        }
      }
    }
    if (!child.waitFor(30, TimeUnit.MINUTES)) {
      child.destroyForcibly();
      throw new IllegalStateException("preparing in-doubt transactions took over 30 minutes");
    }
    if (prepared == null || child.exitValue() != CrashPoint.HALT_STATUS) {
      throw new IllegalStateException(
          "the preparing JVM failed (status "
              + child.exitValue()
              + "): "
              + String.join("\n", Files.readAllLines(stderr)));
    }
  }
}
