package io.concord.cli;

import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogInspection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code concord log verify DIR}: checks every CRC and lists unfinished transactions. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check every segment and CRC of a transaction log without changing it, and list the live"
          + " (unfinished) transactions and heuristic outcomes.",
      "Exit status: 0 when the log would open (a torn tail is reported; the next open truncates"
          + " it), 1 when it is corrupted (the message names file and offset), 2 when it cannot be"
          + " read."
    })
final class LogVerifyCommand implements Callable<Integer> {

  static final int CORRUPTED = 1;
  static final int UNREADABLE = 2;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  Path directory;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LogInspection inspection;
    try {
      inspection = LogInspection.of(directory);
    } catch (IOException e) {
      err.println("Cannot read transaction log " + directory + ": " + e);
      return UNREADABLE;
    }
    out.println("Transaction log " + directory);
    if (inspection.lockHolder() != null) {
      out.println(
          "  in use by " + inspection.lockHolder() + ": its newest records may still be changing");
    }
    int records = 0;
    for (LogInspection.Segment segment : inspection.segments()) {
      records += segment.recordCount();
      out.printf(
          "  %s  node %s  created %s  %d bytes  %d records  data ends at offset %d%n",
          segment.file().getFileName(),
          segment.nodeId() == null ? "?" : segment.nodeId(),
          segment.nodeId() == null ? "?" : Instant.ofEpochMilli(segment.createdMillis()),
          segment.sizeBytes(),
          segment.recordCount(),
          segment.validEndOffset());
    }
    out.printf(
        "Checked every CRC: %d records in %d segment%s.%n",
        records, inspection.segments().size(), inspection.segments().size() == 1 ? "" : "s");
    for (LogInspection.Problem problem : inspection.problems()) {
      String line = label(problem) + ": " + problem.file() + ": " + problem.message();
      out.println(line);
      if (problem.stopsStartUp()) {
        err.println(line);
      }
    }
    out.println("Incarnation: " + inspection.incarnation());
    out.println("Live transactions (COMMIT without END): " + inspection.liveCommits().size());
    for (CommitRecord record : inspection.liveCommits()) {
      out.printf(
          "  gtrid %s  at %s  branches %s%n",
          HexFormat.of().formatHex(record.gtrid()),
          Instant.ofEpochMilli(record.timeMillis()),
          record.branches().stream()
              .map(LogVerifyCommand::describe)
              .collect(Collectors.joining(", ")));
    }
    out.println("Heuristic outcomes not forgotten: " + inspection.heuristics().size());
    for (HeuristicRecord record : inspection.heuristics()) {
      out.printf(
          "  gtrid %s  %s  branch %s  at %s  %s%n",
          HexFormat.of().formatHex(record.gtrid()),
          record.outcome(),
          describe(record.branch()),
          Instant.ofEpochMilli(record.timeMillis()),
          record.detail());
    }
    if (inspection.corrupted()) {
      out.println(
          "Result: CORRUPTED. The log will not open; see the lines above for file and offset.");
      return CORRUPTED;
    }
    boolean torn =
        inspection.problems().stream()
            .anyMatch(p -> p.kind() == LogInspection.ProblemKind.TORN_TAIL);
    out.println(torn ? "Result: OK (with a torn tail the next open truncates)." : "Result: OK.");
    return 0;
  }

  static String label(LogInspection.Problem problem) {
    switch (problem.kind()) {
      case TORN_TAIL:
        return "TORN TAIL";
      case CORRUPTION:
        return "CORRUPTED";
      case MISSING_SEGMENT:
        return "MISSING SEGMENT";
      default:
        return "NOTE";
    }
  }

  private static String describe(BranchRecord branch) {
    return branch.resourceName() + ":" + HexFormat.of().formatHex(branch.bqual());
  }
}
