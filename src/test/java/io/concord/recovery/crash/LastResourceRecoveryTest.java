package io.concord.recovery.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.jdbc.ConcordDataSource;
import io.concord.jdbc.LastResourceDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.PreparedBranches;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import io.concord.tm.ConcordTransactionManager;
import jakarta.transaction.SystemException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The last-resource marker rule of CONTRACTS §2, end to end with Concord's TM, pool and
 * marker-table last resource: when the last resource's one-phase commit answers ambiguously, the XA
 * branches stay in doubt without a COMMIT record; recovery commits them when the marker shows the
 * last resource committed, and rolls them back when it did not.
 */
@DatabaseTest
class LastResourceRecoveryTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void inDoubtBranchesFollowTheLastResource(boolean lastResourceCommitted) throws Exception {
    String node = "lr-" + UUID.randomUUID().toString().substring(0, 8);
    List<TestDatabase> created = new ArrayList<>();
    try {
      TestDatabase pg = TestDatabase.create(DatabaseKind.POSTGRES);
      created.add(pg);
      TestDatabase maria = TestDatabase.create(DatabaseKind.MARIADB);
      created.add(maria);
      TestDatabase h2 = TestDatabase.create(DatabaseKind.H2_MEM);
      created.add(h2);
      for (TestDatabase db : created) {
        db.execute(
            "create table t (id bigint primary key)"
                + (db.kind() == DatabaseKind.MARIADB ? " engine=InnoDB" : ""));
      }
      try (TransactionLog log = TransactionLog.open(LogOptions.builder(dir).nodeId(node).build())) {
        ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(node).build();
        RecoveryManager recovery =
            new RecoveryManager(
                log,
                RecoveryOptions.builder(node)
                    .orphanGrace(Duration.ofMillis(100))
                    .interval(Duration.ZERO)
                    .build(),
                InFlightTransactions.of(tm));
        CrashInjector injector =
            new CrashInjector(
                lastResourceCommitted
                    ? CrashPoint.AMBIGUOUS_LAST_RESOURCE_COMMIT
                    : CrashPoint.LOST_LAST_RESOURCE_COMMIT,
                "lr",
                0,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        injector.arm();
        InjectingTransactionManager injecting = new InjectingTransactionManager(tm, injector);
        ConcordDataSource pgPool = xaPool(pg, "pg", injecting, tm, recovery);
        ConcordDataSource mariaPool = xaPool(maria, "maria", injecting, tm, recovery);
        LastResourceDataSource lr =
            LastResourceDataSource.builder(h2.dataSource())
                .resourceName("lr")
                .transactionManager(injecting)
                .synchronizationRegistry(tm.transactionSynchronizationRegistry())
                .recoveryRegistry(recovery)
                .markerTable("concord_markers")
                .createMarkerTable(true)
                .build();
        try {
          tm.begin();
          insert(pgPool, 1);
          insert(mariaPool, 1);
          insert(lr, 1);
          assertThatThrownBy(tm::commit)
              .isInstanceOf(SystemException.class)
              .hasMessageContaining("stay in doubt");
          assertThat(PreparedBranches.of(pg, node)).hasSize(1);
          assertThat(PreparedBranches.of(maria, node)).hasSize(1);
          assertThat(h2.queryLong("select count(*) from concord_markers"))
              .isEqualTo(lastResourceCommitted ? 1 : 0);

          RecoveryReport first = recovery.runOnce();
          Thread.sleep(150);
          RecoveryReport second = recovery.runOnce();
          RecoveryReport third = recovery.runOnce();

          List<RecoveryReport.Branch> committed = new ArrayList<>(first.committed());
          committed.addAll(second.committed());
          List<RecoveryReport.Branch> rolledBack = new ArrayList<>(first.rolledBack());
          rolledBack.addAll(second.rolledBack());
          long expected = lastResourceCommitted ? 1 : 0;
          if (lastResourceCommitted) {
            assertThat(committed)
                .hasSize(2)
                .allSatisfy(b -> assertThat(b.detail()).contains("last resource committed"));
            assertThat(rolledBack).isEmpty();
            assertThat(second.clearedMarkers() + third.clearedMarkers()).isEqualTo(1);
          } else {
            assertThat(committed).isEmpty();
            assertThat(rolledBack).hasSize(2);
          }
          assertThat(third.hasWorkLeft()).isFalse();
          assertThat(pg.queryLong("select count(*) from t")).isEqualTo(expected);
          assertThat(maria.queryLong("select count(*) from t")).isEqualTo(expected);
          assertThat(h2.queryLong("select count(*) from t")).isEqualTo(expected);
          assertThat(h2.queryLong("select count(*) from concord_markers")).isZero();
          assertThat(PreparedBranches.of(pg, node)).isEmpty();
          assertThat(PreparedBranches.of(maria, node)).isEmpty();
        } finally {
          recovery.close();
          pgPool.close();
          mariaPool.close();
          lr.close();
          tm.close();
        }
      }
    } finally {
      for (TestDatabase db : created) {
        db.close();
      }
    }
  }

  private static ConcordDataSource xaPool(
      TestDatabase db,
      String name,
      InjectingTransactionManager injecting,
      ConcordTransactionManager tm,
      RecoveryManager recovery) {
    return ConcordDataSource.builder(db.xaDataSource())
        .resourceName(name)
        .transactionManager(injecting)
        .synchronizationRegistry(tm.transactionSynchronizationRegistry())
        .recoveryRegistry(recovery)
        .maxSize(2)
        .build();
  }

  private static void insert(DataSource ds, long id) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate("insert into t values (" + id + ")");
    }
  }
}
