package io.concord.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.cli.demo.DemoRun;
import io.concord.config.ConcordConfig;
import io.concord.config.ConcordConfig.DemoSettings;
import io.concord.config.ConcordRuntime;
import io.concord.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code concord demo}: the sharded bank on embedded H2 (or the servers a config names). */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a sharded bank: accounts spread over several databases by the consistent-hash router,",
      "concurrent transfers through @Transactional services (two-phase commit across shards,",
      "one-phase within one), an interest job guarded by a distributed lock, and a check that",
      "the total balance is conserved. Default: four embedded H2 databases under ./concord-data."
    })
final class DemoCommand implements Callable<Integer> {
  static final String DEFAULT_CONFIG = "/concord/config/h2.yaml";

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Configuration file (default: the built-in config/h2.yaml).")
  Path config;

  @Option(names = "--json", description = "Print the summary as one JSON object on the last line.")
  boolean json;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "How long transfers run (overrides demo.duration).")
  Integer durationSeconds;

  @Option(names = "--accounts", description = "Accounts to load (overrides demo.accounts).")
  Integer accounts;

  @Option(names = "--threads", description = "Transfer threads (overrides demo.threads).")
  Integer threads;

  @Option(
      names = "--crash-after",
      paramLabel = "DURATION",
      description =
          "Halt the JVM (like kill -9) this long after transfers start, e.g. 3s or 1500ms. Run the"
              + " demo again (or concord recover) to watch recovery finish the in-doubt transfers.")
  String crashAfter;

  @Option(names = "--reset", description = "Reload the accounts even if a previous run left some.")
  boolean reset;

  @Option(names = "--no-progress", description = "No progress bar (it also stays off with --json).")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ConcordConfig cfg;
    try {
      cfg = config != null ? ConcordConfig.load(config) : builtInConfig();
    } catch (ConfigException e) {
      System.err.println("concord demo: " + e.getMessage());
      return 2;
    }
    DemoSettings d = cfg.demo();
    DemoSettings settings =
        new DemoSettings(
            accounts != null ? accounts : d.accounts(),
            d.initialBalance(),
            threads != null ? threads : d.threads(),
            durationSeconds != null ? Duration.ofSeconds(durationSeconds) : d.duration(),
            d.crossShardPercent(),
            d.interestInterval());
    PrintStream log = json ? System.err : out;
    log.printf(
        "Concord demo: %d shards (%s), log in %s%n",
        cfg.sharding().shards().size(), cfg.source(), cfg.log().directory());
    try (ConcordRuntime runtime = ConcordRuntime.start(cfg)) {
      var recovered = runtime.startupRecovery();
      if (recovered != null
          && (!recovered.committed().isEmpty() || !recovered.rolledBack().isEmpty())) {
        log.printf(
            "recovery finished what the last run left in doubt: %d branches committed, %d rolled"
                + " back%n",
            recovered.committed().size(), recovered.rolledBack().size());
      }
      DemoRun demo = new DemoRun(runtime, settings, log);
      demo.createSchema();
      demo.loadOrResume(reset);
      if (crashAfter != null) {
        scheduleHalt(parseDuration(crashAfter), log);
      }
      demo.run(!json && !noProgress);
      DemoRun.Summary summary = demo.summarize(recovered);
      print(summary, log);
      if (json) {
        out.println(new ObjectMapper().writeValueAsString(summary.asMap()));
      }
      return summary.invariantHolds() ? 0 : 1;
    }
  }

  private static ConcordConfig builtInConfig() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(DEFAULT_CONFIG)) {
      if (in == null) {
        throw new IOException("missing built-in configuration " + DEFAULT_CONFIG);
      }
      return ConcordConfig.parse(
          "config/h2.yaml (built in)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static Duration parseDuration(String text) {
    String t = text.trim();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
    }
    throw new IllegalArgumentException("--crash-after takes a duration like 3s or 1500ms: " + text);
  }

  private static void scheduleHalt(Duration after, PrintStream log) {
    Thread halter =
        new Thread(
            () -> {
              try {
                Thread.sleep(after.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              log.println();
              log.println(
                  "*** --crash-after: halting the JVM now, in the middle of the transfers. Run"
                      + " the same command again (without --crash-after) to watch recovery. ***");
              log.flush();
              Runtime.getRuntime().halt(137);
            },
            "concord-demo-crash");
    halter.setDaemon(true);
    halter.start();
  }

  private static void print(DemoRun.Summary s, PrintStream out) {
    out.println();
    out.println("Summary");
    out.printf(
        "  transfers committed      %,d (p50 %.1f ms, p99 %.1f ms)%n",
        s.committed(), s.p50Micros() / 1000.0, s.p99Micros() / 1000.0);
    out.printf(
        "  transfers rolled back    %,d (%,d for insufficient funds)%n",
        s.rolledBack(), s.insufficientFunds());
    out.printf("  one-phase / two-phase    %,d / %,d commits%n", s.onePhase(), s.twoPhase());
    out.printf("  interest runs (locked)   %,d%n", s.interestRuns());
    out.printf("  accounts per shard       %s%n", s.accountsPerShard());
    out.printf("  transfers in the books   %,d, broken: %d%n", s.transfers(), s.brokenTransfers());
    out.printf(
        "  total balance            %,d (expected %,d)%n", s.totalBalance(), s.expectedBalance());
    out.printf("  log size                 %,d bytes%n", s.logBytes());
    out.printf("  invariant                %s%n", s.invariantHolds() ? "HOLDS" : "VIOLATED");
  }
}
