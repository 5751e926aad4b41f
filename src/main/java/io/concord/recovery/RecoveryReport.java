package io.concord.recovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one recovery pass (or the start-up recovery, several passes) did and what it left: branches
 * committed and rolled back, Xids left alone and why, resources it could not reach, COMMIT records
 * still open, and heuristic outcomes. {@link #toText()} is for people, {@link #toJson()} for tools.
 */
public final class RecoveryReport {

  /** Why an in-doubt branch was not completed in this pass. */
  public enum Reason {
    /** The transaction is running in this process; its own coordinator finishes it. */
    IN_FLIGHT("in flight in this process"),
    /** No COMMIT record: rolled back once seen in a second scan {@code orphanGrace} later. */
    AWAITING_SECOND_SCAN("no COMMIT record; awaiting a second scan"),
    /** A Concord Xid of a node id this TM does not recover for. */
    OTHER_NODE("belongs to another node"),
    /**
     * No COMMIT record, but a resource that may hold last-resource markers could not be read, so a
     * rollback could undo a committed last resource's partners.
     */
    LAST_RESOURCE_UNKNOWN("no COMMIT record; last-resource markers could not be read"),
    /** Completing the branch failed and it is still prepared; retried on the next pass. */
    RETRY("completion failed; retried on the next pass"),
    /**
     * A heuristic outcome is recorded for this branch: recovery does not touch it again until an
     * operator has resolved it and forgotten the heuristic.
     */
    HEURISTIC_RECORDED("a heuristic outcome is recorded for it");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** A branch that was committed or rolled back. */
  public record Branch(String resource, String xid, String gtrid, String detail) {}

  /** A branch that was seen in doubt and not completed. */
  public record LeftAlone(
      String resource, String xid, String gtrid, Reason reason, String detail) {}

  /** A resource (or a recovery source that failed before naming its resources) not read. */
  public record Unreachable(String resource, String error) {}

  /** A COMMIT record without END after the pass, and the branches it still waits for. */
  public record OpenRecord(String gtrid, String xid, List<String> waitingFor) {
    public OpenRecord {
      waitingFor = List.copyOf(waitingFor);
    }
  }

  /** A heuristic outcome, as kept in the log until an operator forgets it. */
  public record Heuristic(
      String gtrid,
      String resource,
      String bqual,
      HeuristicOutcome outcome,
      Instant time,
      String detail) {

    static Heuristic of(HeuristicRecord record) {
      HexFormat hex = HexFormat.of();
      return new Heuristic(
          hex.formatHex(record.gtrid()),
          record.branch().resourceName(),
          hex.formatHex(record.branch().bqual()),
          record.outcome(),
          Instant.ofEpochMilli(record.timeMillis()),
          record.detail());
    }
  }

  private final Instant startedAt;
  private final Duration duration;
  private final int passes;
  private final List<Branch> committed;
  private final List<Branch> rolledBack;
  private final List<LeftAlone> leftAlone;
  private final List<Unreachable> unreachable;
  private final List<OpenRecord> openRecords;
  private final int endedRecords;
  private final int clearedMarkers;
  private final int foreignXids;
  private final List<Heuristic> newHeuristics;
  private final List<Heuristic> outstandingHeuristics;
  private final List<String> errors;

  RecoveryReport(
      Instant startedAt,
      Duration duration,
      int passes,
      List<Branch> committed,
      List<Branch> rolledBack,
      List<LeftAlone> leftAlone,
      List<Unreachable> unreachable,
      List<OpenRecord> openRecords,
      int endedRecords,
      int clearedMarkers,
      int foreignXids,
      List<Heuristic> newHeuristics,
      List<Heuristic> outstandingHeuristics,
      List<String> errors) {
    this.startedAt = Objects.requireNonNull(startedAt);
    this.duration = Objects.requireNonNull(duration);
    this.passes = passes;
    this.committed = List.copyOf(committed);
    this.rolledBack = List.copyOf(rolledBack);
    this.leftAlone = List.copyOf(leftAlone);
    this.unreachable = List.copyOf(unreachable);
    this.openRecords = List.copyOf(openRecords);
    this.endedRecords = endedRecords;
    this.clearedMarkers = clearedMarkers;
    this.foreignXids = foreignXids;
    this.newHeuristics = List.copyOf(newHeuristics);
    this.outstandingHeuristics = List.copyOf(outstandingHeuristics);
    this.errors = List.copyOf(errors);
  }

  /**
   * Combines consecutive passes (start-up recovery): what was done adds up, what is left is what
   * the last pass left.
   */
  static RecoveryReport combine(List<RecoveryReport> reports) {
    if (reports.isEmpty()) {
      throw new IllegalArgumentException("no reports to combine");
    }
    RecoveryReport first = reports.get(0);
    RecoveryReport last = reports.get(reports.size() - 1);
    List<Branch> committed = new ArrayList<>();
    List<Branch> rolledBack = new ArrayList<>();
    List<Heuristic> heuristics = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    int ended = 0;
    int cleared = 0;
    int passes = 0;
    for (RecoveryReport r : reports) {
      committed.addAll(r.committed);
      rolledBack.addAll(r.rolledBack);
      heuristics.addAll(r.newHeuristics);
      errors.addAll(r.errors);
      ended += r.endedRecords;
      cleared += r.clearedMarkers;
      passes += r.passes;
    }
    // wall-clock span from the first pass's start to the last pass's end (pauses included)
    Duration span = Duration.between(first.startedAt, last.startedAt.plus(last.duration));
    Duration total = span.isNegative() ? last.duration : span;
    return new RecoveryReport(
        first.startedAt,
        total,
        passes,
        committed,
        rolledBack,
        last.leftAlone,
        last.unreachable,
        last.openRecords,
        ended,
        cleared,
        last.foreignXids,
        heuristics,
        last.outstandingHeuristics,
        errors);
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Duration duration() {
    return duration;
  }

  /** How many passes this report covers (1 for {@link RecoveryManager#runOnce()}). */
  public int passes() {
    return passes;
  }

  public List<Branch> committed() {
    return committed;
  }

  public List<Branch> rolledBack() {
    return rolledBack;
  }

  public List<LeftAlone> leftAlone() {
    return leftAlone;
  }

  public List<Unreachable> unreachable() {
    return unreachable;
  }

  public List<OpenRecord> openRecords() {
    return openRecords;
  }

  /** COMMIT records finished (END written) by this pass. */
  public int endedRecords() {
    return endedRecords;
  }

  /** Last-resource marker rows deleted because their transaction is complete. */
  public int clearedMarkers() {
    return clearedMarkers;
  }

  /** In-doubt Xids of other transaction managers (foreign formatId), never touched. */
  public int foreignXids() {
    return foreignXids;
  }

  /** Heuristic outcomes found by this pass (also in {@link #outstandingHeuristics()}). */
  public List<Heuristic> newHeuristics() {
    return newHeuristics;
  }

  /** Every heuristic outcome in the log not yet forgotten by an operator. */
  public List<Heuristic> outstandingHeuristics() {
    return outstandingHeuristics;
  }

  /** Failures that are not about one resource, e.g. the log refusing an END record. */
  public List<String> errors() {
    return errors;
  }

  /**
   * True when the pass left work that a later pass can finish: unreachable resources, open COMMIT
   * records, failed completions, orphans awaiting their second scan. Xids of other nodes and
   * transactions in flight are not work left.
   */
  public boolean hasWorkLeft() {
    return !unreachable.isEmpty()
        || !openRecords.isEmpty()
        || !errors.isEmpty()
        || leftAlone.stream()
            .anyMatch(
                l ->
                    l.reason() != Reason.OTHER_NODE
                        && l.reason() != Reason.IN_FLIGHT
                        && l.reason() != Reason.HEURISTIC_RECORDED);
  }

  /** A summary line followed by one line per branch, resource, record and heuristic. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("recovery ")
        .append(passes == 1 ? "pass" : passes + " passes")
        .append(" at ")
        .append(startedAt)
        .append(" took ")
        .append(duration.toMillis())
        .append(" ms: committed ")
        .append(committed.size())
        .append(", rolled back ")
        .append(rolledBack.size())
        .append(", left alone ")
        .append(leftAlone.size())
        .append(", unreachable ")
        .append(unreachable.size())
        .append(", records ended ")
        .append(endedRecords)
        .append(", records open ")
        .append(openRecords.size())
        .append(", heuristics ")
        .append(outstandingHeuristics.size())
        .append('\n');
    for (Branch b : committed) {
      line(out, "committed", b.xid() + " on " + b.resource() + detail(b.detail()));
    }
    for (Branch b : rolledBack) {
      line(out, "rolled back", b.xid() + " on " + b.resource() + detail(b.detail()));
    }
    for (LeftAlone l : leftAlone) {
      line(
          out,
          "left alone",
          l.xid()
              + " on "
              + l.resource()
              + " ("
              + l.reason().description()
              + (l.detail() == null || l.detail().isEmpty() ? "" : ": " + l.detail())
              + ")");
    }
    if (foreignXids > 0) {
      line(out, "foreign", foreignXids + " Xid(s) of other transaction managers, not touched");
    }
    for (Unreachable u : unreachable) {
      line(out, "unreachable", u.resource() + ": " + u.error());
    }
    for (OpenRecord r : openRecords) {
      line(out, "open record", r.xid() + " waiting for " + String.join("; ", r.waitingFor()));
    }
    if (clearedMarkers > 0) {
      line(out, "markers", clearedMarkers + " last-resource marker(s) cleared");
    }
    for (Heuristic h : outstandingHeuristics) {
      line(
          out,
          newHeuristics.contains(h) ? "HEURISTIC new" : "HEURISTIC",
          h.outcome()
              + " gtrid "
              + h.gtrid()
              + " branch "
              + h.bqual()
              + " on "
              + h.resource()
              + " at "
              + h.time()
              + detail(h.detail()));
    }
    for (String e : errors) {
      line(out, "ERROR", e);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String label, String text) {
    out.append("  ").append(String.format("%-14s", label)).append(text).append('\n');
  }

  private static String detail(String detail) {
    return detail == null || detail.isEmpty() ? "" : " (" + detail + ")";
  }

  /** The report as one JSON object (field names are stable; see docs/recovery.md). */
  public String toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("startedAt", startedAt.toString());
    json.put("durationMillis", duration.toMillis());
    json.put("passes", passes);
    json.put("committed", committed);
    json.put("rolledBack", rolledBack);
    json.put("leftAlone", leftAlone);
    json.put("unreachable", unreachable);
    json.put("openRecords", openRecords);
    json.put("endedRecords", endedRecords);
    json.put("clearedMarkers", clearedMarkers);
    json.put("foreignXids", foreignXids);
    json.put("newHeuristics", heuristicsJson(newHeuristics));
    json.put("outstandingHeuristics", heuristicsJson(outstandingHeuristics));
    json.put("errors", errors);
    json.put("workLeft", hasWorkLeft());
    return writeJson(json);
  }

  /** Heuristic outcomes as text, one per line (for {@code concord recover heuristics}). */
  public static String heuristicsToText(List<HeuristicRecord> records) {
    if (records.isEmpty()) {
      return "no heuristic outcomes\n";
    }
    StringBuilder out = new StringBuilder();
    for (HeuristicRecord r : records) {
      Heuristic h = Heuristic.of(r);
      out.append(h.outcome())
          .append(" gtrid ")
          .append(h.gtrid())
          .append(" branch ")
          .append(h.bqual())
          .append(" on ")
          .append(h.resource())
          .append(" at ")
          .append(h.time())
          .append(detail(h.detail()))
          .append('\n');
    }
    return out.toString();
  }

  /** Heuristic outcomes as a JSON array (for {@code concord recover heuristics --json}). */
  public static String heuristicsToJson(List<HeuristicRecord> records) {
    return writeJson(heuristicsJson(records.stream().map(Heuristic::of).toList()));
  }

  private static List<Map<String, Object>> heuristicsJson(List<Heuristic> heuristics) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Heuristic h : heuristics) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("gtrid", h.gtrid());
      m.put("resource", h.resource());
      m.put("bqual", h.bqual());
      m.put("outcome", h.outcome().name());
      m.put("time", h.time().toString());
      m.put("detail", h.detail());
      list.add(m);
    }
    return list;
  }

  private static String writeJson(Object value) {
    try {
      return new ObjectMapper()
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("recovery report cannot be written as JSON", e);
    }
  }

  @Override
  public String toString() {
    return toText();
  }
}
