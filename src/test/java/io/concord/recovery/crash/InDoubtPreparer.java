package io.concord.recovery.crash;

import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.xa.ConcordXid;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

/**
 * The child JVM of {@link RecoveryBenchmark}: prepares {@code transactions} global transactions of
 * two branches each with raw XA calls, writes their COMMIT records, then halts, leaving every
 * branch in doubt exactly as a crash right after the commit point would. Transactions {@code 0 ..
 * postgres-1} have a PostgreSQL and a MariaDB branch, the rest an H2 and a MariaDB branch (H2 keeps
 * a prepared branch only while its connection lives or through a crash, hence the halt).
 *
 * <p>Arguments {@code key=value}: {@code log}, {@code node}, {@code db} (h2, pg and maria, see
 * {@link BankDatabase#encode()}), {@code transactions}, {@code postgres}, {@code threads}, {@code
 * branches}.
 */
public final class InDoubtPreparer {
  private InDoubtPreparer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    Map<String, BankDatabase> dbs = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (arg.startsWith("db=")) {
        BankDatabase db = BankDatabase.decode(arg.substring(3));
        dbs.put(db.name(), db);
      } else {
        a.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String node = a.get("node");
    int transactions = Integer.parseInt(a.get("transactions"));
    int postgres = Integer.parseInt(a.get("postgres"));
    int threads = Integer.parseInt(a.getOrDefault("threads", "8"));
    boolean pairs = Integer.parseInt(a.getOrDefault("branches", "2")) == 2;
    TransactionLog log =
        TransactionLog.open(LogOptions.builder(Path.of(a.get("log"))).nodeId(node).build());
    ConcordXid.Factory xids = new ConcordXid.Factory(node, log.incarnation());
    // H2 rolls back a prepared branch when its connection closes: keep every one open until halt
    ConcurrentLinkedQueue<XAConnection> keptOpen = new ConcurrentLinkedQueue<>();
    AtomicLong next = new AtomicLong();
    AtomicLong done = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                for (long i = next.getAndIncrement();
                    i < transactions;
                    i = next.getAndIncrement()) {
                  ConcordXid first = xids.create(i + 1, 1);
                  List<BranchRecord> branches = new ArrayList<>();
                  if (pairs) {
                    ConcordXid second = first.withBranch(2);
                    BankDatabase one = i < postgres ? dbs.get("pg") : dbs.get("h2");
                    BankDatabase two = dbs.get("maria");
                    XAConnection c1 = prepare(one, first, i);
                    XAConnection c2 = prepare(two, second, i);
                    keepOrClose(one, c1, keptOpen);
                    keepOrClose(two, c2, keptOpen);
                    branches.add(new BranchRecord(one.name(), first.getBranchQualifier()));
                    branches.add(new BranchRecord(two.name(), second.getBranchQualifier()));
                  } else {
                    BankDatabase only =
                        i < postgres ? dbs.get("pg") : dbs.get(i % 2 == 0 ? "h2" : "maria");
                    keepOrClose(only, prepare(only, first, i), keptOpen);
                    branches.add(new BranchRecord(only.name(), first.getBranchQualifier()));
                  }
                  log.appendCommit(
                      new CommitRecord(
                          first.getGlobalTransactionId(), branches, System.currentTimeMillis()));
                  long n = done.incrementAndGet();
                  if (n % 1000 == 0) {
                    out.println("PROGRESS " + n);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    out.println("PREPARED " + done.get() + " " + keptOpen.size());
    Runtime.getRuntime().halt(CrashPoint.HALT_STATUS);
  }

  private static void keepOrClose(
      BankDatabase db, XAConnection connection, ConcurrentLinkedQueue<XAConnection> keptOpen)
      throws java.sql.SQLException {
    if (db.isH2()) {
      keptOpen.add(connection);
    } else {
      connection.close();
    }
  }

  private static XAConnection prepare(BankDatabase db, ConcordXid xid, long id) throws Exception {
    XAConnection connection = db.xaDataSource().getXAConnection();
    XAResource resource = connection.getXAResource();
    Connection handle = connection.getConnection();
    resource.start(xid, XAResource.TMNOFLAGS);
    try (PreparedStatement insert = handle.prepareStatement("insert into bench values (?)")) {
      insert.setLong(1, id);
      insert.executeUpdate();
    }
    resource.end(xid, XAResource.TMSUCCESS);
    resource.prepare(xid);
    return connection;
  }
}
