package io.concord.lock;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Uncontended acquire + release, one thread, per backend: Concord's session lock (and on PostgreSQL
 * its transaction-level lock in a local transaction) against ShedLock's JDBC lock-table provider
 * ({@code usingDbTime()}) on the same database in the same run. Both go through a HikariCP pool of
 * the same size. Prints operations per second, mean/p50/p99 latency and the ratio of Concord's
 * throughput to ShedLock's.
 *
 * <p>Run (see docs/lock.md): {@code mvn -q test-compile exec:java
 * -Dexec.mainClass=io.concord.lock.LockBenchmark -Dexec.classpathScope=test -Dexec.args="--seconds
 * 10 --warmup 3"}; {@code --backends postgres,mariadb,h2} picks databases.
 */
public final class LockBenchmark {

  interface Operation {
    void run() throws Exception;
  }

  record Result(String backend, String name, long ops, double seconds, long[] nanos) {
    double perSecond() {
      return ops / seconds;
    }

    long percentile(double p) {
      return nanos[Math.min(nanos.length - 1, (int) Math.floor(p * nanos.length))];
    }

    double meanMicros() {
      return Arrays.stream(nanos).average().orElse(0) / 1000.0;
    }
  }

  public static void main(String[] args) throws Exception {
    double seconds = 10;
    double warmup = 3;
    List<String> backends = List.of("postgres", "mariadb", "h2");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        case "--backends" -> backends = List.of(args[++i].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Result> results = new ArrayList<>();
    for (String backend : backends) {
      DatabaseKind kind =
          switch (backend) {
            case "postgres" -> DatabaseKind.POSTGRES;
            case "mariadb" -> DatabaseKind.MARIADB;
            case "h2" -> DatabaseKind.H2_MEM;
            default -> throw new IllegalArgumentException("unknown backend " + backend);
          };
      try (TestDatabase db = TestDatabase.create(kind)) {
        results.addAll(runBackend(backend, kind, db, seconds, warmup));
      }
    }
    print(results);
  }

  private static List<Result> runBackend(
      String backend, DatabaseKind kind, TestDatabase db, double seconds, double warmup)
      throws Exception {
    List<Result> results = new ArrayList<>();
    try (LockService locks =
            LockService.builder()
                .database(
                    LockDatabase.builder(backend)
                        .jdbcUrl(db.jdbcUrl())
                        .user(db.user())
                        .password(db.password())
                        .maxConnections(4)
                        .build())
                .build();
        HikariDataSource pool = pool(db)) {
      results.add(
          measure(
              backend,
              "concord session lock",
              seconds,
              warmup,
              () -> locks.acquire("bench", Duration.ofSeconds(5)).close()));
      if (kind == DatabaseKind.POSTGRES) {
        results.add(
            measure(
                backend,
                "concord xact lock (BEGIN; lock; COMMIT)",
                seconds,
                warmup,
                () -> {
                  try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    locks.acquireInTransaction(c, "bench-xact", Duration.ofSeconds(5));
                    c.commit();
                  }
                }));
      }
      db.execute(shedlockTable(kind));
      JdbcTemplateLockProvider shedlock =
          new JdbcTemplateLockProvider(
              JdbcTemplateLockProvider.Configuration.builder()
                  .withJdbcTemplate(new JdbcTemplate(pool))
                  .usingDbTime()
                  .build());
      results.add(
          measure(
              backend,
              "shedlock jdbc-template",
              seconds,
              warmup,
              () -> {
                SimpleLock lock =
                    shedlock
                        .lock(
                            new LockConfiguration(
                                Instant.now(), "bench", Duration.ofSeconds(30), Duration.ZERO))
                        .orElseThrow(() -> new IllegalStateException("shedlock: not acquired"));
                lock.unlock();
              }));
    }
    return results;
  }

  private static String shedlockTable(DatabaseKind kind) {
    return kind == DatabaseKind.MARIADB
        ? "create table shedlock (name varchar(64) not null, lock_until timestamp(3) not null,"
            + " locked_at timestamp(3) not null default current_timestamp(3),"
            + " locked_by varchar(255) not null, primary key (name))"
        : "create table shedlock (name varchar(64) not null, lock_until timestamp not null,"
            + " locked_at timestamp not null, locked_by varchar(255) not null,"
            + " primary key (name))";
  }

  private static HikariDataSource pool(TestDatabase db) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  private static Result measure(
      String backend, String name, double seconds, double warmup, Operation operation)
      throws Exception {
    long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
    while (System.nanoTime() < warmupEnd) {
      operation.run();
    }
    long[] nanos = new long[1 << 16];
    int count = 0;
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long now = start;
    while (now < end) {
      operation.run();
      long after = System.nanoTime();
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, nanos.length * 2);
      }
      nanos[count++] = after - now;
      now = after;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    return new Result(backend, name, count, (now - start) / 1e9, sorted);
  }

  private static void print(List<Result> results) {
    System.out.printf(
        Locale.ROOT,
        "%-9s %-42s %10s %10s %10s %10s %8s%n",
        "backend",
        "operation (acquire + release, 1 thread)",
        "ops/s",
        "mean µs",
        "p50 µs",
        "p99 µs",
        "ratio");
    for (Result r : results) {
      Result peer =
          results.stream()
              .filter(x -> x.backend().equals(r.backend()) && x.name().startsWith("shedlock"))
              .findFirst()
              .orElse(null);
      System.out.printf(
          Locale.ROOT,
          "%-9s %-42s %10.0f %10.1f %10.1f %10.1f %8s%n",
          r.backend(),
          r.name(),
          r.perSecond(),
          r.meanMicros(),
          r.percentile(0.5) / 1000.0,
          r.percentile(0.99) / 1000.0,
          peer == null
              ? ""
              : String.format(Locale.ROOT, "%.2fx", r.perSecond() / peer.perSecond()));
    }
    System.out.println("ratio = ops/s of the row / ops/s of ShedLock on the same database");
  }
}
