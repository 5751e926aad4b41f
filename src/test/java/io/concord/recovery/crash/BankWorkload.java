package io.concord.recovery.crash;

import io.concord.jdbc.ConcordDataSource;
import io.concord.jdbc.LastResourceDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.tm.ConcordTransactionManager;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
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
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of the crash tests: Concord's TM, recovery manager (start-up and periodic) and
 * pooled DataSources doing bank transfers between databases until it dies at its {@link CrashPoint}
 * (or, with {@link CrashPoint#NONE} and pauses, until its run time is over).
 *
 * <p>Arguments are {@code key=value}: {@code log}, {@code node}, {@code db} (repeated, see {@link
 * BankDatabase#encode()}), {@code accounts}, {@code threads}, {@code base} (first transfer id),
 * {@code point}, {@code target}, {@code armAfter}, {@code haltAfterMillis}, {@code runMillis},
 * {@code prepareDelayMillis}, {@code seed}. Standard output, one line per event, autoflushed:
 * {@code READY}, {@code PLAN id from to amount} (before the transaction begins), {@code OK id}
 * (after commit returned), {@code FAIL id reason}, {@code HEURISTIC id reason}, {@code PAUSED ..},
 * {@code HALT ..}, {@code DONE}.
 */
public final class BankWorkload {
  private BankWorkload() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    List<BankDatabase> databases = new ArrayList<>();
    BankDatabase audit = null;
    for (String arg : args) {
      int eq = arg.indexOf('=');
      String key = arg.substring(0, eq);
      String value = arg.substring(eq + 1);
      if (key.equals("db")) {
        databases.add(BankDatabase.decode(value));
      } else if (key.equals("lastResource")) {
        audit = BankDatabase.decode(value);
      } else {
        a.put(key, value);
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String node = a.get("node");
    int accounts = Integer.parseInt(a.get("accounts"));
    int threads = Integer.parseInt(a.get("threads"));
    long base = Long.parseLong(a.get("base"));
    CrashPoint point = CrashPoint.valueOf(a.get("point"));
    String target = a.getOrDefault("target", "");
    int armAfter = Integer.parseInt(a.getOrDefault("armAfter", "0"));
    long haltAfterMillis = Long.parseLong(a.getOrDefault("haltAfterMillis", "0"));
    long runMillis = Long.parseLong(a.getOrDefault("runMillis", "60000"));
    long prepareDelay = Long.parseLong(a.getOrDefault("prepareDelayMillis", "0"));
    long seed = Long.parseLong(a.getOrDefault("seed", "1"));

    CrashInjector injector =
        new CrashInjector(point, target.isEmpty() ? null : target, prepareDelay, out);
    TransactionLog log =
        TransactionLog.open(LogOptions.builder(Path.of(a.get("log"))).nodeId(node).build());
    ConcordTransactionManager tm =
        ConcordTransactionManager.builder(log)
            .nodeId(node)
            .defaultTimeout(Duration.ofSeconds(20))
            .build();
    RecoveryManager recovery =
        new RecoveryManager(
            log,
            RecoveryOptions.builder(node)
                .interval(Duration.ofMillis(200))
                .orphanGrace(Duration.ofMillis(500))
                .startupTimeout(Duration.ofSeconds(20))
                .retryInitialDelay(Duration.ofMillis(200))
                .retryMaxDelay(Duration.ofSeconds(2))
                .build(),
            InFlightTransactions.of(tm));
    InjectingTransactionManager injecting = new InjectingTransactionManager(tm, injector);
    List<ConcordDataSource> pools = new ArrayList<>();
    for (BankDatabase db : databases) {
      pools.add(
          ConcordDataSource.builder(db.xaDataSource())
              .resourceName(db.name())
              .transactionManager(injecting)
              .synchronizationRegistry(tm.transactionSynchronizationRegistry())
              .recoveryRegistry(recovery)
              .maxSize(threads + 2)
              .acquisitionTimeout(Duration.ofSeconds(10))
              .build());
    }
    LastResourceDataSource lastResource =
        audit == null
            ? null
            : CrashHarness.lastResourceDataSource(
                audit, injecting, tm.transactionSynchronizationRegistry(), recovery);
    recovery.start();
    out.println("READY");

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger completed = new AtomicInteger();
    AtomicLong ids = new AtomicLong(base);
    if (point == CrashPoint.RANDOM_HALT) {
      Thread halter =
          new Thread(
              () -> {
                try {
                  Thread.sleep(haltAfterMillis);
                } catch (InterruptedException e) {
                  return;
                }
                out.println("HALT RANDOM_HALT");
                Runtime.getRuntime().halt(CrashPoint.HALT_STATUS);
              },
              "halter");
      halter.setDaemon(true);
      halter.start();
    }
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(seed * 31 + t);
      Thread worker =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    transfer(
                        tm,
                        pools,
                        lastResource,
                        databases.size(),
                        accounts,
                        ids,
                        random,
                        injector,
                        out);
                    if (completed.incrementAndGet() >= armAfter) {
                      injector.arm();
                    }
                  }
                } finally {
                  done.countDown();
                }
              },
              "worker-" + t);
      worker.start();
    }
    long started = System.nanoTime();
    while (true) {
      Thread.sleep(20);
      long elapsed = (System.nanoTime() - started) / 1_000_000;
      if (elapsed >= runMillis && (point != CrashPoint.PAUSE_BEFORE_COMMIT || injector.fired())) {
        break;
      }
    }
    stop.set(true);
    done.await();
    // let periodic recovery finish what a database fault left in doubt
    Thread.sleep(1_000);
    for (ConcordDataSource pool : pools) {
      pool.close();
    }
    if (lastResource != null) {
      lastResource.close();
    }
    recovery.close();
    tm.close();
    log.close();
    out.println("DONE");
    System.exit(0);
  }

  private static void transfer(
      ConcordTransactionManager tm,
      List<ConcordDataSource> pools,
      LastResourceDataSource lastResource,
      int databases,
      int accounts,
      AtomicLong ids,
      SplittableRandom random,
      CrashInjector injector,
      PrintStream out) {
    long id = ids.incrementAndGet();
    int fromDb = random.nextInt(databases);
    int toDb = (fromDb + 1 + random.nextInt(databases - 1)) % databases;
    long from = Bank.accountId(fromDb, 1 + random.nextInt(accounts));
    long to = Bank.accountId(toDb, 1 + random.nextInt(accounts));
    long amount = 1 + random.nextInt(100);
    out.println("PLAN " + id + " " + from + " " + to + " " + amount);
    // One global lock order over all accounts (not correlated with the database) avoids
    // deadlocks across databases, while every database still comes first or last in some
    // transfers (branches are prepared and committed in enlistment order).
    long[][] legs = {{from, -amount}, {to, amount}};
    if (order(from) > order(to)) {
      legs = new long[][] {{to, amount}, {from, -amount}};
    }
    injector.begin(2);
    try {
      tm.begin();
      for (long[] leg : legs) {
        ConcordDataSource pool = pools.get(Bank.databaseIndexOf(leg[0]));
        try (Connection c = pool.getConnection();
            PreparedStatement update =
                c.prepareStatement("update account set balance = balance + ? where id = ?");
            PreparedStatement insert =
                c.prepareStatement("insert into transfer_leg values (?, ?, ?)")) {
          update.setLong(1, leg[1]);
          update.setLong(2, leg[0]);
          if (update.executeUpdate() != 1) {
            throw new IllegalStateException("account " + leg[0] + " missing");
          }
          insert.setLong(1, id);
          insert.setLong(2, leg[0]);
          insert.setLong(3, leg[1]);
          insert.executeUpdate();
        }
      }
      if (lastResource != null) {
        try (Connection c = lastResource.getConnection();
            PreparedStatement insert =
                c.prepareStatement("insert into transfer_audit values (?)")) {
          insert.setLong(1, id);
          insert.executeUpdate();
        }
      }
      tm.commit();
      out.println("OK " + id);
    } catch (HeuristicMixedException | HeuristicRollbackException e) {
      out.println("HEURISTIC " + id + " " + oneLine(e));
    } catch (RollbackException e) {
      out.println("FAIL " + id + " " + oneLine(e));
    } catch (Exception e) {
      out.println("FAIL " + id + " " + oneLine(e));
      try {
        if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
          tm.rollback();
        }
      } catch (Exception ignored) {
        // the next begin() reports a broken thread state
      }
    }
  }

  private static long order(long accountId) {
    return Long.hashCode(accountId * 0x9E3779B97F4A7C15L);
  }

  private static String oneLine(Throwable e) {
    String text = e.toString();
    return text.replace('\n', ' ').replace('\r', ' ');
  }
}
