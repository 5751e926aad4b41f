package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.log.CommitRecord;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import io.concord.xa.ConcordXid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

/**
 * The last-resource window, with a real process death: a child JVM dies after the last resource's
 * local COMMIT and before Concord forced its commit record. The test checks that everything the
 * recovery rule of CONTRACTS §2 needs survived — the XA branch in doubt, no commit record, and the
 * marker listing the transaction — and then applies that rule by hand (commit the in-doubt branch,
 * forget the marker), as Concord's recovery manager will once it exists, ending consistent.
 */
@DatabaseTest
@CrashTest
class LastResourceCrashTest {

  @Test
  void markerTableTellsRecoveryThatTheLastResourceCommittedBeforeTheCrash() throws Exception {
    ScriptedJta noTransactions = new ScriptedJta();
    Path logDirectory = Files.createTempDirectory("concord-lr-crash-");
    String nodeId = "lrcrash-" + UUID.randomUUID().toString().substring(0, 8);
    try (TestDatabase ordersDb = TestDatabase.create(DatabaseKind.POSTGRES);
        TestDatabase auditDb = TestDatabase.create(DatabaseKind.POSTGRES)) {
      ordersDb.execute("create table item (id int primary key, v varchar(50))");
      auditDb.execute(
          "create table item (id int primary key, v varchar(50))",
          new MarkerTable(LastResourceContract.MARKERS).createIfMissing());

      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  LastResourceCrashChild.class.getName(),
                  logDirectory.toString(),
                  nodeId,
                  ordersDb.jdbcUrl(),
                  auditDb.jdbcUrl(),
                  ordersDb.user(),
                  ordersDb.password())
              .redirectErrorStream(true)
              .redirectOutput(logDirectory.resolve("child.log").toFile())
              .start();
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
      assertThat(child.exitValue())
          .as(
              "child died right after the local commit; its output: %s",
              Files.readString(logDirectory.resolve("child.log")))
          .isEqualTo(LastResourceCrashChild.HALTED);

      // What the crash left: the local transaction committed with its marker...
      assertThat(XaPoolContract.count(auditDb)).isEqualTo(1);
      assertThat(auditDb.queryLong("select count(*) from " + LastResourceContract.MARKERS))
          .isEqualTo(1);
      // ...the XA branch prepared, not committed...
      assertThat(XaPoolContract.count(ordersDb)).isZero();
      assertThat(ordersDb.preparedTransactions()).hasSize(1);
      // ...and no commit record: presumed abort alone would roll the order back.
      try (TransactionLog log =
          TransactionLog.open(LogOptions.builder(logDirectory).nodeId(nodeId).build())) {
        List<CommitRecord> commits = log.liveCommits();
        assertThat(commits).isEmpty();
      }

      try (LastResourceDataSource audit =
              LastResourceDataSource.builder(auditDb.dataSource())
                  .resourceName("audit")
                  .transactionManager(noTransactions)
                  .synchronizationRegistry(noTransactions)
                  .markerTable(LastResourceContract.MARKERS)
                  .build();
          ConcordDataSource orders =
              ConcordDataSource.builder(ordersDb.xaDataSource())
                  .resourceName("orders")
                  .transactionManager(noTransactions)
                  .synchronizationRegistry(noTransactions)
                  .build()) {
        XAResource markers = audit.xaResourceRecovery().orElseThrow().getXAResources()[0];
        XAResource branches = orders.xaResourceRecovery().getXAResources()[0];
        Xid[] committedLocally = markers.recover(XAResource.TMSTARTRSCAN);
        assertThat(committedLocally).hasSize(1);
        Xid inDoubt =
            Arrays.stream(branches.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                .filter(ConcordXid.ownedBy(List.of(nodeId)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the prepared branch was lost"));
        assertThat(inDoubt.getGlobalTransactionId())
            .as("the marker names the in-doubt transaction")
            .isEqualTo(committedLocally[0].getGlobalTransactionId());

        // The recovery rule: an in-doubt Xid of ours without a commit record whose gtrid a
        // last-resource recovery resource lists is committed; then the marker is forgotten.
        branches.commit(inDoubt, false);
        markers.forget(committedLocally[0]);
        ((AutoCloseable) markers).close();
        ((AutoCloseable) branches).close();
      }
      assertThat(XaPoolContract.count(ordersDb)).isEqualTo(1);
      assertThat(ordersDb.preparedTransactions()).isEmpty();
      assertThat(auditDb.queryLong("select count(*) from " + LastResourceContract.MARKERS))
          .isZero();
    }
  }
}
