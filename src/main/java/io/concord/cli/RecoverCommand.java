package io.concord.cli;

import io.concord.config.ConcordConfig;
import io.concord.config.ConcordRuntime;
import io.concord.config.ConfigException;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.recovery.RecoveryReport;
import io.concord.tm.ConcordTransactionManager;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code concord recover}: one recovery pass over every data source of a configuration, run by an
 * operator while the application is stopped (a running application recovers by itself, and holds
 * the log's lock).
 */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one recovery pass: commits in-doubt branches that have a COMMIT record, rolls back",
      "this node's orphans, and reports what it committed, rolled back, left alone and could not",
      "reach. Run it while the application is stopped: a running one recovers by itself."
    },
    subcommands = {RecoverCommand.Heuristics.class, RecoverCommand.Forget.class})
final class RecoverCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", required = true, scope = ScopeType.INHERIT)
  Path config;

  @Option(names = "--json", description = "Print the report as JSON.", scope = ScopeType.INHERIT)
  boolean json;

  @Override
  public Integer call() {
    ConcordConfig cfg = load(config);
    if (cfg == null) {
      return 2;
    }
    try (ConcordRuntime runtime = ConcordRuntime.start(cfg, List.of())) {
      RecoveryReport report = runtime.startupRecovery();
      System.out.println(json ? report.toJson() : report.toText());
      return report.unreachable().isEmpty() && report.openRecords().isEmpty() ? 0 : 3;
    } catch (ConfigException e) {
      System.err.println("concord recover: " + e.getMessage());
      return 2;
    }
  }

  static ConcordConfig load(Path config) {
    try {
      return ConcordConfig.load(config);
    } catch (ConfigException e) {
      System.err.println("concord recover: " + e.getMessage());
      return null;
    }
  }

  static TransactionLog openLog(ConcordConfig cfg) throws LogException {
    return TransactionLog.open(
        LogOptions.builder(cfg.log().directory())
            .nodeId(nodeId(cfg))
            .segmentSizeBytes(cfg.log().segmentSizeBytes())
            .spinWait(cfg.log().spinWait())
            .build());
  }

  /** The node id the application runs with: configured, or derived from the host as the TM does. */
  static String nodeId(ConcordConfig cfg) {
    return cfg.nodeId() != null ? cfg.nodeId() : ConcordTransactionManager.hostDerivedNodeId();
  }

  /** {@code concord recover heuristics}: the heuristic outcomes an operator has not cleared. */
  @Command(
      name = "heuristics",
      mixinStandardHelpOptions = true,
      description = "Lists heuristic outcomes kept in the log until an operator forgets them.")
  static final class Heuristics implements Callable<Integer> {
    @ParentCommand RecoverCommand parent;

    @Override
    public Integer call() throws LogException {
      ConcordConfig cfg = load(parent.config);
      if (cfg == null) {
        return 2;
      }
      try (TransactionLog log = openLog(cfg)) {
        List<HeuristicRecord> heuristics = log.heuristics();
        HexFormat hex = HexFormat.of();
        if (parent.json) {
          StringBuilder sb = new StringBuilder("[");
          for (HeuristicRecord h : heuristics) {
            sb.append(sb.length() == 1 ? "" : ",")
                .append("{\"gtrid\":\"")
                .append(hex.formatHex(h.gtrid()))
                .append("\",\"resource\":\"")
                .append(escape(h.branch().resourceName()))
                .append("\",\"outcome\":\"")
                .append(h.outcome())
                .append("\",\"time\":\"")
                .append(Instant.ofEpochMilli(h.timeMillis()))
                .append("\",\"detail\":\"")
                .append(escape(h.detail()))
                .append("\"}");
          }
          System.out.println(sb.append(']'));
        } else if (heuristics.isEmpty()) {
          System.out.println("no heuristic outcomes recorded");
        } else {
          for (HeuristicRecord h : heuristics) {
            System.out.printf(
                "%s  %s  %s  %s  %s%n",
                hex.formatHex(h.gtrid()),
                h.branch().resourceName(),
                h.outcome(),
                Instant.ofEpochMilli(h.timeMillis()),
                h.detail());
          }
        }
        return 0;
      }
    }
  }

  /** {@code concord recover forget GTRID}: clears a heuristic outcome an operator has resolved. */
  @Command(
      name = "forget",
      mixinStandardHelpOptions = true,
      description = "Clears a heuristic outcome after an operator has repaired its data.")
  static final class Forget implements Callable<Integer> {
    @ParentCommand RecoverCommand parent;

    @Parameters(paramLabel = "GTRID", description = "The gtrid in hex, as `heuristics` lists it.")
    String gtrid;

    @Override
    public Integer call() throws LogException {
      ConcordConfig cfg = load(parent.config);
      if (cfg == null) {
        return 2;
      }
      try (TransactionLog log = openLog(cfg);
          RecoveryManager recovery =
              new RecoveryManager(
                  log, RecoveryOptions.builder(nodeId(cfg)).build(), InFlightTransactions.NONE)) {
        if (recovery.forget(gtrid)) {
          System.out.println("forgot heuristic outcome of " + gtrid);
          return 0;
        }
        System.err.println("concord recover forget: no heuristic outcome recorded for " + gtrid);
        return 1;
      }
    }
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
