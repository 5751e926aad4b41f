package sample;

import io.concord.jdbc.ConcordDataSource;
import io.concord.lock.LockDatabase;
import io.concord.lock.LockDialect;
import io.concord.lock.LockHandle;
import io.concord.lock.LockService;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.shard.Shard;
import io.concord.shard.ShardedDataSource;
import io.concord.shard.Topology;
import io.concord.tm.ConcordTransactionManager;
import io.concord.transactional.TransactionalServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Concord without any framework: a transaction manager with its log, two pooled XA data sources
 * (embedded H2 here; PGXADataSource or MariaDbDataSource work the same), a table sharded over them,
 * a {@code @Transactional} service and a distributed lock.
 */
public final class PlainJavaSample {

  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("concord-sample");
    System.out.println("total after transfers: " + run(dir));
  }

  /** Runs the sample in {@code dir} and returns the total balance, which must stay 2,000. */
  public static long run(Path dir) throws Exception {
    String node = "sample-1"; // unique per process that shares these databases; stable across restarts
    try (TransactionLog log =
            TransactionLog.open(LogOptions.builder(dir.resolve("log")).nodeId(node).build());
        ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(node).build();
        RecoveryManager recovery =
            new RecoveryManager(log, RecoveryOptions.builder(node).build(), InFlightTransactions.of(tm));
        ConcordDataSource east = pooled("east", dir, tm, recovery);
        ConcordDataSource west = pooled("west", dir, tm, recovery)) {
      recovery.start(); // finishes whatever a crash left in doubt, before any new work

      for (ConcordDataSource db : List.of(east, west)) {
        try (Connection c = db.getConnection();
            Statement s = c.createStatement()) {
          s.execute("create table if not exists account (id bigint primary key, balance bigint)");
        }
      }
      try (ShardedDataSource accounts =
              ShardedDataSource.builder(
                      Topology.initial(
                          Topology.DEFAULT_SLOT_COUNT, List.of(Shard.of("east"), Shard.of("west"))))
                  .shard("east", east)
                  .shard("west", west)
                  .shardedTable("account", "id")
                  .transactionManager(tm)
                  .build();
          LockService locks =
              LockService.builder()
                  .namespace("sample")
                  .database(
                      LockDatabase.builder("east")
                          .dialect(LockDialect.H2)
                          .jdbcUrl(url("east", dir))
                          .user("sa")
                          .password("")
                          .createSchema(true)
                          .build())
                  .build()) {
        Bank bank = TransactionalServices.using(tm).proxy(Bank.class, new JdbcBank(accounts));

        bank.open(1, 1000); // one database: one-phase commit
        bank.open(2, 1000);
        System.out.printf(
            "account 1 lives on %s, account 2 on %s%n",
            accounts.shardFor(1L).name(), accounts.shardFor(2L).name());

        try (LockHandle lock = locks.acquire("month-end", Duration.ofSeconds(5))) {
          // only one process at a time runs this; the token rejects a holder that lost the lock
          System.out.println("holding month-end lock, fencing token " + lock.fencingToken());
          bank.transfer(1, 2, 300); // two databases: two-phase commit
        }
        try {
          bank.transfer(1, 2, 5000);
        } catch (Bank.InsufficientFunds expected) {
          System.out.println("rolled back on both databases: " + expected.getMessage());
        }
        System.out.printf(
            "balances: %d + %d; committed one-phase %d, two-phase %d%n",
            bank.balance(1),
            bank.balance(2),
            tm.statistics().committedOnePhase(),
            tm.statistics().committedTwoPhase());
        return bank.balance(1) + bank.balance(2);
      }
    }
  }

  private static ConcordDataSource pooled(
      String name, Path dir, ConcordTransactionManager tm, RecoveryManager recovery) {
    JdbcDataSource xa = new JdbcDataSource(); // any javax.sql.XADataSource
    xa.setURL(url(name, dir));
    xa.setUser("sa");
    return ConcordDataSource.builder(xa)
        .resourceName(name) // stable: it is written in the log and used by recovery
        .transactionManager(tm)
        .synchronizationRegistry(tm.transactionSynchronizationRegistry())
        .recoveryRegistry(recovery)
        .maxSize(8)
        .build();
  }

  private static String url(String name, Path dir) {
    return "jdbc:h2:file:" + dir.resolve(name).toAbsolutePath();
  }
}
