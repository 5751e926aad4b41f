package io.concord.recovery.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.recovery.crash.CrashHarness.Fault;
import io.concord.recovery.crash.CrashHarness.Layout;
import io.concord.recovery.crash.CrashHarness.RunResult;
import io.concord.recovery.crash.CrashHarness.RunSpec;
import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseTest;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The bounded crash matrix CI runs: every named crash point on every database (as the database
 * whose branch triggers the point), once with H2 + PostgreSQL + MariaDB and once with the servers
 * alone; random kills; database faults. The long run is {@link CrashTorture}.
 *
 * <p>Verdicts on the servers-only layout are about Concord alone and must be clean. On the layout
 * with H2, an anomaly that only H2's own defects explain (reference/h2-xa-crash-findings.md) is
 * printed loudly and counted, not hidden; every other finding fails.
 */
@CrashTest
@DatabaseTest
class CrashMatrixTest {
  static final List<CrashPoint> NAMED =
      List.of(
          CrashPoint.AFTER_FIRST_PREPARE,
          CrashPoint.AFTER_ALL_PREPARES,
          CrashPoint.AFTER_LOG_FORCE,
          CrashPoint.AFTER_FIRST_COMMIT,
          CrashPoint.BEFORE_END);

  private static final Map<Layout, CrashHarness> HARNESSES = new EnumMap<>(Layout.class);
  private static final SplittableRandom RANDOM = new SplittableRandom();

  static synchronized CrashHarness harness(Layout layout) throws Exception {
    CrashHarness harness = HARNESSES.get(layout);
    if (harness == null) {
      harness = new CrashHarness(layout);
      HARNESSES.put(layout, harness);
    }
    return harness;
  }

  @AfterAll
  static void dropDatabases() {
    HARNESSES.values().forEach(CrashHarness::close);
    HARNESSES.clear();
  }

  private static RunSpec named(CrashPoint point, String target) {
    return new RunSpec(point, target, 2 + RANDOM.nextInt(20), 0, Fault.NONE, RANDOM.nextLong());
  }

  static RunSpec random(boolean kill) {
    return new RunSpec(
        kill ? CrashPoint.RANDOM_KILL : CrashPoint.RANDOM_HALT,
        null,
        0,
        50 + RANDOM.nextInt(1_500),
        Fault.NONE,
        RANDOM.nextLong());
  }

  private static List<RunResult> runAll(CrashHarness harness, List<RunSpec> specs)
      throws Exception {
    List<RunResult> results = new ArrayList<>();
    for (RunSpec spec : specs) {
      RunResult result = harness.run(spec);
      System.out.println(harness.layout() + " " + result);
      if (result.h2Anomaly()) {
        loud(
            "*** H2 ANOMALY (H2's own crash defect, reference/h2-xa-crash-findings.md) in "
                + harness.layout()
                + " "
                + result
                + " -- child stderr kept in "
                + harness.workDir()
                + " ***");
      }
      results.add(result);
    }
    return results;
  }

  private static void assertClean(List<RunResult> results) {
    assertThat(results).allSatisfy(r -> assertThat(r.clean()).as(r.toString()).isTrue());
  }

  @Test
  void everyNamedPointOnEveryDatabaseWithH2PostgresAndMariaDb() throws Exception {
    CrashHarness harness = harness(Layout.ALL_THREE);
    List<RunSpec> specs = new ArrayList<>();
    for (CrashPoint point : NAMED) {
      for (String target : harness.databaseNames()) {
        specs.add(named(point, target));
      }
    }
    assertClean(runAll(harness, specs));
  }

  @Test
  void everyNamedPointOnEveryDatabaseWithTheServersAlone() throws Exception {
    CrashHarness harness = harness(Layout.SERVERS);
    List<RunSpec> specs = new ArrayList<>();
    for (CrashPoint point : NAMED) {
      for (String target : harness.databaseNames()) {
        specs.add(named(point, target));
      }
    }
    List<RunResult> results = runAll(harness, specs);
    assertClean(results);
    assertThat(results).noneMatch(RunResult::h2Anomaly);
  }

  @Test
  void fiftyRandomKills() throws Exception {
    List<RunResult> results = new ArrayList<>();
    for (int i = 0; i < 26; i++) {
      results.addAll(runAll(harness(Layout.ALL_THREE), List.of(random(i % 2 == 0))));
      results.addAll(runAll(harness(Layout.SERVERS), List.of(random(i % 2 == 1))));
    }
    assertThat(results).hasSizeGreaterThanOrEqualTo(50);
    assertClean(results);
    assertThat(results.stream().filter(r -> r.spec().point() == CrashPoint.RANDOM_KILL))
        .hasSizeGreaterThanOrEqualTo(25);
  }

  @Test
  void withANonXaLastResourceAndItsMarkerTable() throws Exception {
    CrashHarness harness = harness(Layout.SERVERS_WITH_LAST_RESOURCE);
    List<RunSpec> specs = new ArrayList<>();
    specs.add(named(CrashPoint.AFTER_LAST_RESOURCE_COMMIT, "audit"));
    specs.add(named(CrashPoint.AFTER_LAST_RESOURCE_COMMIT, "audit"));
    specs.add(named(CrashPoint.AFTER_ALL_PREPARES, null));
    specs.add(named(CrashPoint.AFTER_LOG_FORCE, null));
    specs.add(named(CrashPoint.BEFORE_END, null));
    for (int i = 0; i < 4; i++) {
      specs.add(random(i % 2 == 0));
    }
    assertClean(runAll(harness, specs));
  }

  @Test
  void postgresBackendsKilledBetweenPrepareAndCommit() throws Exception {
    CrashHarness harness = harness(Layout.SERVERS);
    RunResult result =
        harness.run(
            new RunSpec(
                CrashPoint.PAUSE_BEFORE_COMMIT,
                "pg",
                3,
                0,
                Fault.KILL_POSTGRES_BACKENDS,
                RANDOM.nextLong()));
    System.out.println(result);
    assertThat(result.clean()).as(result.toString()).isTrue();
  }

  @Test
  void mariaDbSessionKilledDuringPhaseTwo() throws Exception {
    CrashHarness harness = harness(Layout.SERVERS);
    RunResult result =
        harness.run(
            new RunSpec(
                CrashPoint.PAUSE_BEFORE_COMMIT,
                "maria",
                3,
                0,
                Fault.KILL_MARIADB_SESSIONS,
                RANDOM.nextLong()));
    System.out.println(result);
    assertThat(result.clean()).as(result.toString()).isTrue();
  }

  /**
   * Restarts the PostgreSQL cluster every helper and test of the machine uses: opt-in only, with
   * {@code -Dconcord.test.restartPostgres=true} (and {@code -Dconcord.test.pgCluster=15} when the
   * version cannot be found under /etc/postgresql).
   */
  @Test
  void postgresRestartedBetweenPrepareAndCommit() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("concord.test.restartPostgres"),
        "restarts the shared PostgreSQL server; run with -Dconcord.test.restartPostgres=true");
    CrashHarness harness = harness(Layout.SERVERS);
    RunResult result =
        harness.run(
            new RunSpec(
                CrashPoint.PAUSE_BEFORE_COMMIT,
                "pg",
                3,
                0,
                Fault.RESTART_POSTGRES,
                RANDOM.nextLong()));
    System.out.println(result);
    assertThat(result.clean()).as(result.toString()).isTrue();
  }

  @Test
  void aDatabaseUnreachableDuringRecoveryIsRecoveredWhenBack() throws Exception {
    List<RunResult> results = new ArrayList<>();
    for (String target : List.of("maria", "pg")) {
      results.addAll(
          runAll(
              harness(Layout.SERVERS),
              List.of(
                  new RunSpec(
                      CrashPoint.AFTER_LOG_FORCE,
                      target,
                      3,
                      0,
                      Fault.UNREACHABLE_DURING_RECOVERY,
                      RANDOM.nextLong()))));
    }
    assertClean(results);
  }

  /** Writes to the real console: Surefire keeps test output in report files. */
  static void loud(String line) {
    System.err.println(line);
    new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
        .println(line);
  }
}
