package io.concord.cli;

import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.tm.ConcordTransactionManager;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code concord bench tm}: transactions per second of a real two-phase commit (two no-op XA
 * resources, the decision forced to a durable log) per thread count, and the fsync floor of the
 * log's disk for comparison.
 */
@Command(
    name = "tm",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the transaction manager: begin, enlist two no-op XA resources, commit (a real"
          + " two-phase commit with the COMMIT record forced to the log), for each thread count.",
      "Also measures the fsync floor of the log's disk: one thread writing and fdatasync-ing."
    })
final class TmBenchCommand implements Callable<Integer> {

  @Option(
      names = "--log-dir",
      required = true,
      description = "Directory for the benchmark's transaction log (created; on the disk to test).")
  Path logDir;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,4,16,64",
      description = "Thread counts to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "Measured seconds per thread count (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "3",
      description = "Unmeasured seconds before each measurement (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (seconds < 1 || warmupSeconds < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--seconds must be at least 1 and --warmup-seconds at least 0");
    }
    for (int n : threads) {
      if (n < 1 || n > 4096) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--threads: " + n + " is not between 1 and 4096");
      }
    }
    Files.createDirectories(logDir);
    TmWorkload.Result floor =
        TmWorkload.fsyncFloor(logDir, Duration.ofSeconds(Math.min(seconds, 5)));
    print(out, floor);
    for (int n : threads) {
      Path dir = Files.createTempDirectory(logDir, "tm-bench-" + n + "-");
      try (TransactionLog log =
              TransactionLog.open(
                  LogOptions.builder(dir).nodeId("bench").forceMode(ForceMode.FDATASYNC).build());
          ConcordTransactionManager tm =
              ConcordTransactionManager.builder(log).nodeId("bench").build()) {
        TmWorkload.Result result =
            TmWorkload.run(
                "concord",
                tm,
                n,
                Duration.ofSeconds(warmupSeconds),
                Duration.ofSeconds(seconds),
                i -> new TmWorkload.NoOpResource("bench-" + (char) ('a' + i)));
        print(out, result);
        if (!json && n == 1) {
          out.printf(
              Locale.ROOT,
              "  1 thread = %.0f %% of the fsync floor%n",
              100 * result.txPerSecond() / floor.txPerSecond());
        }
      } finally {
        deleteRecursively(dir);
      }
    }
    out.flush();
    return 0;
  }

  private void print(PrintWriter out, TmWorkload.Result result) {
    out.println(json ? result.toJson() : result.toText());
    out.flush();
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
