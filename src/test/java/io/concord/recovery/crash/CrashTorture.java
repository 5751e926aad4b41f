package io.concord.recovery.crash;

import io.concord.recovery.crash.CrashHarness.Fault;
import io.concord.recovery.crash.CrashHarness.Layout;
import io.concord.recovery.crash.CrashHarness.RunResult;
import io.concord.recovery.crash.CrashHarness.RunSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The long crash run: {@code runs} random kills ({@code kill -9} and {@code Runtime.halt} at random
 * moments, rotating over the layouts: H2 + PostgreSQL + MariaDB, the servers alone, the servers
 * with a marker-table last resource), with a named crash point every {@code namedEvery} runs, then
 * a summary table. Run it through {@link CrashTortureTest} ({@code mvn -o test
 * -Dtest=CrashTortureTest -Dconcord.crash.torture=1000}), which provides the classpath the child
 * JVMs need.
 */
final class CrashTorture {
  private CrashTorture() {}

  /** Counts per (layout, point). */
  static final class Row {
    int runs;
    int clean;
    int h2Anomalies;
    int violations;
    int problems;
    long acknowledged;
    long recoveredCommits;
    long recoveredRollbacks;
    long millis;

    void add(RunResult r) {
      runs++;
      if (r.clean() && !r.h2Anomaly()) {
        clean++;
      }
      if (r.h2Anomaly()) {
        h2Anomalies++;
      }
      if (!r.verdict().violations().isEmpty()) {
        violations++;
      }
      if (!r.problems().isEmpty()) {
        problems++;
      }
      acknowledged += r.acknowledged();
      recoveredCommits += r.committedByRecovery();
      recoveredRollbacks += r.rolledBackByRecovery();
      millis += r.millis();
    }
  }

  /** What a torture run found: every result and the rows of the table. */
  record Summary(List<RunResult> results, Map<String, Row> rows) {
    long violations() {
      return results.stream().filter(r -> !r.clean()).count();
    }

    long h2Anomalies() {
      return results.stream().filter(RunResult::h2Anomaly).count();
    }

    String table() {
      StringBuilder out = new StringBuilder();
      String format = "%-26s %-22s %6s %6s %8s %10s %8s %10s %10s %10s %8s%n";
      out.append(
          String.format(
              format,
              "layout",
              "crash",
              "runs",
              "clean",
              "H2-anom.",
              "violations",
              "problems",
              "acked tx",
              "rec.commit",
              "rec.rollbk",
              "avg ms"));
      Row total = new Row();
      for (Map.Entry<String, Row> e : rows.entrySet()) {
        String[] key = e.getKey().split(" ", 2);
        Row r = e.getValue();
        out.append(line(format, key[0], key[1], r));
        total.runs += r.runs;
        total.clean += r.clean;
        total.h2Anomalies += r.h2Anomalies;
        total.violations += r.violations;
        total.problems += r.problems;
        total.acknowledged += r.acknowledged;
        total.recoveredCommits += r.recoveredCommits;
        total.recoveredRollbacks += r.recoveredRollbacks;
        total.millis += r.millis;
      }
      out.append(line(format, "TOTAL", "", total));
      for (RunResult r : results) {
        if (!r.clean() || r.h2Anomaly()) {
          out.append(r).append('\n');
        }
      }
      return out.toString();
    }

    private static String line(String format, String layout, String crash, Row r) {
      return String.format(
          format,
          layout,
          crash,
          r.runs,
          r.clean,
          r.h2Anomalies,
          r.violations,
          r.problems,
          r.acknowledged,
          r.recoveredCommits,
          r.recoveredRollbacks,
          r.runs == 0 ? 0 : r.millis / r.runs);
    }
  }

  static Summary run(int runs, int namedEvery, PrintStream progress) throws Exception {
    SplittableRandom random = new SplittableRandom();
    Map<Layout, CrashHarness> harnesses = new EnumMap<>(Layout.class);
    List<RunResult> results = new ArrayList<>();
    Map<String, Row> rows = new LinkedHashMap<>();
    try {
      for (Layout layout : Layout.values()) {
        harnesses.put(layout, new CrashHarness(layout));
      }
      List<CrashPoint> named = CrashMatrixTest.NAMED;
      int namedIndex = 0;
      for (int i = 0; i < runs; i++) {
        Map<RunSpec, Layout> specs = new LinkedHashMap<>();
        specs.put(
            new RunSpec(
                random.nextBoolean() ? CrashPoint.RANDOM_KILL : CrashPoint.RANDOM_HALT,
                null,
                0,
                50 + random.nextInt(2_000),
                Fault.NONE,
                random.nextLong()),
            Layout.values()[i % Layout.values().length]);
        if (namedEvery > 0 && i % namedEvery == namedEvery - 1) {
          // cycle through point x layout x target database
          CrashPoint point = named.get(namedIndex % named.size());
          Layout namedLayout =
              Layout.values()[(namedIndex / named.size()) % Layout.values().length];
          List<String> targets = harnesses.get(namedLayout).databaseNames();
          String target =
              targets.get((namedIndex / (named.size() * Layout.values().length)) % targets.size());
          namedIndex++;
          specs.put(
              new RunSpec(point, target, 2 + random.nextInt(30), 0, Fault.NONE, random.nextLong()),
              namedLayout);
        }
        for (Map.Entry<RunSpec, Layout> e : specs.entrySet()) {
          RunSpec spec = e.getKey();
          Layout layout = e.getValue();
          RunResult result = harnesses.get(layout).run(spec);
          results.add(result);
          rows.computeIfAbsent(layout + " " + spec.point(), k -> new Row()).add(result);
          progress.println("[" + results.size() + "] " + layout + " " + result);
        }
      }
    } finally {
      harnesses.values().forEach(CrashHarness::close);
    }
    return new Summary(results, rows);
  }
}
