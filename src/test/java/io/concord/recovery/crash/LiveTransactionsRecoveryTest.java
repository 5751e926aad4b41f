package io.concord.recovery.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.jdbc.ConcordDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import io.concord.tm.ConcordTransactionManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Periodic recovery running next to live transactions never completes one of them: every branch is
 * held prepared for longer than the orphan grace (so it shows up in two scans that far apart) while
 * recovery passes run back to back, and no pass may roll anything back or commit anything; every
 * transfer commits whole.
 */
@DatabaseTest
class LiveTransactionsRecoveryTest {
  @TempDir Path dir;

  @Test
  void recoveryPassesNeverTouchTransactionsInFlight() throws Exception {
    String node = "live-" + UUID.randomUUID().toString().substring(0, 8);
    List<TestDatabase> created = new ArrayList<>();
    List<BankDatabase> dbs = new ArrayList<>();
    int accounts = 20;
    try {
      for (DatabaseKind kind :
          List.of(DatabaseKind.H2_FILE, DatabaseKind.POSTGRES, DatabaseKind.MARIADB)) {
        TestDatabase db = TestDatabase.create(kind);
        created.add(db);
        dbs.add(
            new BankDatabase(
                kind.name().toLowerCase(), kind, db.jdbcUrl(), db.user(), db.password()));
      }
      Bank.create(dbs, accounts);
      try (TransactionLog log = TransactionLog.open(LogOptions.builder(dir).nodeId(node).build())) {
        ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(node).build();
        RecoveryManager recovery =
            new RecoveryManager(
                log,
                RecoveryOptions.builder(node)
                    .interval(Duration.ofMillis(50))
                    .orphanGrace(Duration.ofMillis(100))
                    .startupTimeout(Duration.ofSeconds(5))
                    .build(),
                InFlightTransactions.of(tm));
        // every prepare is followed by 300 ms with the branch prepared and the transaction live
        CrashInjector slowPrepare =
            new CrashInjector(
                CrashPoint.NONE,
                null,
                300,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        InjectingTransactionManager injecting = new InjectingTransactionManager(tm, slowPrepare);
        List<ConcordDataSource> pools = new ArrayList<>();
        for (BankDatabase db : dbs) {
          pools.add(
              ConcordDataSource.builder(db.xaDataSource())
                  .resourceName(db.name())
                  .transactionManager(injecting)
                  .synchronizationRegistry(tm.transactionSynchronizationRegistry())
                  .recoveryRegistry(recovery)
                  .maxSize(6)
                  .build());
        }
        recovery.start();
        List<RecoveryReport> reports = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread watcher =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    reports.add(recovery.runOnce());
                  }
                },
                "on-demand-recovery");
        watcher.start();

        Map<Long, Bank.Plan> plans = new ConcurrentHashMap<>();
        Set<Long> committed = ConcurrentHashMap.newKeySet();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong ids = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          Thread worker =
              new Thread(
                  () -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    for (int i = 0; i < 6; i++) {
                      long id = ids.incrementAndGet();
                      int from = random.nextInt(dbs.size());
                      int to = (from + 1 + random.nextInt(dbs.size() - 1)) % dbs.size();
                      Bank.Plan plan =
                          new Bank.Plan(
                              id,
                              Bank.accountId(from, 1 + random.nextInt(accounts)),
                              Bank.accountId(to, 1 + random.nextInt(accounts)),
                              1 + random.nextInt(50));
                      plans.put(id, plan);
                      try {
                        slowPrepare.begin(2);
                        tm.begin();
                        // one global lock order over accounts: no deadlock across databases
                        if (order(plan.from()) < order(plan.to())) {
                          leg(pools.get(from), id, plan.from(), -plan.amount());
                          leg(pools.get(to), id, plan.to(), plan.amount());
                        } else {
                          leg(pools.get(to), id, plan.to(), plan.amount());
                          leg(pools.get(from), id, plan.from(), -plan.amount());
                        }
                        tm.commit();
                        committed.add(id);
                      } catch (Exception e) {
                        failures.add(id + ": " + e);
                        try {
                          tm.rollback();
                        } catch (Exception ignored) {
                          // not associated any more
                        }
                      }
                    }
                  },
                  "worker-" + t);
          workers.add(worker);
          worker.start();
        }
        for (Thread w : workers) {
          w.join();
        }
        stop.set(true);
        watcher.join();
        recovery.close();
        pools.forEach(ConcordDataSource::close);
        tm.close();

        assertThat(failures).isEmpty();
        assertThat(committed).hasSize(24);
        assertThat(reports).hasSizeGreaterThan(10);
        assertThat(reports)
            .allSatisfy(
                r -> {
                  assertThat(r.rolledBack()).isEmpty();
                  assertThat(r.committed()).isEmpty();
                  assertThat(r.newHeuristics()).isEmpty();
                });
        // the passes did see the prepared branches, and left them alone as in flight
        // (MariaDB lists every test's branches on the server: look at this node's only)
        assertThat(
                reports.stream()
                    .flatMap(r -> r.leftAlone().stream())
                    .filter(l -> l.xid().contains(":" + node + ":")))
            .isNotEmpty()
            .allSatisfy(l -> assertThat(l.reason()).isEqualTo(RecoveryReport.Reason.IN_FLIGHT));
        Map<Long, Bank.Plan> all = new HashMap<>(plans);
        Bank.Verdict verdict = Bank.check(dbs, accounts, all, committed);
        assertThat(verdict.violations()).isEmpty();
        assertThat(verdict.h2Anomalies()).isEmpty();
        assertThat(verdict.transfers()).isEqualTo(24);
      }
    } finally {
      for (TestDatabase db : created) {
        db.close();
      }
    }
  }

  private static long order(long accountId) {
    return Long.hashCode(accountId * 0x9E3779B97F4A7C15L);
  }

  private static void leg(ConcordDataSource pool, long id, long account, long amount)
      throws Exception {
    try (Connection c = pool.getConnection();
        PreparedStatement update =
            c.prepareStatement("update account set balance = balance + ? where id = ?");
        PreparedStatement insert =
            c.prepareStatement("insert into transfer_leg values (?, ?, ?)")) {
      update.setLong(1, amount);
      update.setLong(2, account);
      update.executeUpdate();
      insert.setLong(1, id);
      insert.setLong(2, account);
      insert.setLong(3, amount);
      insert.executeUpdate();
    }
  }
}
