package io.concord.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only look at a log directory, for {@code concord log inspect} and {@code concord log
 * verify}: every segment is read and every CRC checked exactly as {@link TransactionLog#open}
 * would, but nothing is written, truncated, renamed or locked.
 */
public final class LogInspection {

  /** What kind of finding a {@link Problem} is. */
  public enum ProblemKind {
    /** Unfinished last write of the newest segment; the next open truncates it (not an error). */
    TORN_TAIL,
    /** Damage where data was forced; the next open refuses to start. */
    CORRUPTION,
    /** A gap in the segment numbers; the next open refuses to start. */
    MISSING_SEGMENT,
    /** A file left by an interrupted segment creation or an earlier set-aside; informational. */
    NOTE
  }

  /** A finding, with the file and byte offset it is about (-1 when not about one offset). */
  public record Problem(ProblemKind kind, Path file, long offset, String message) {
    /** True for the kinds that make the next open fail. */
    public boolean stopsStartUp() {
      return kind == ProblemKind.CORRUPTION || kind == ProblemKind.MISSING_SEGMENT;
    }
  }

  /**
   * One segment file: its header fields (node id null when the header is unreadable), its size and
   * the offset where its valid data ends.
   */
  public record Segment(
      Path file,
      long sequence,
      String nodeId,
      long createdMillis,
      long sizeBytes,
      long validEndOffset,
      int recordCount) {}

  /**
   * One record: file, offset of its frame, type name (COMMIT, END, HEURISTIC, FORGET, INCARNATION,
   * BATCH, CHECKPOINT) and its fields (byte arrays as hex strings), in a stable order.
   */
  public record Entry(Path file, long offset, String type, Map<String, Object> fields) {}

  private final Path directory;
  private final List<Segment> segments;
  private final List<Entry> entries;
  private final List<Problem> problems;
  private final List<CommitRecord> liveCommits;
  private final List<HeuristicRecord> heuristics;
  private final long incarnation;
  private final String lockHolder;

  private LogInspection(
      Path directory,
      List<Segment> segments,
      List<Entry> entries,
      List<Problem> problems,
      LiveState state,
      String lockHolder) {
    this.directory = directory;
    this.segments = Collections.unmodifiableList(segments);
    this.entries = Collections.unmodifiableList(entries);
    this.problems = Collections.unmodifiableList(problems);
    this.liveCommits = Collections.unmodifiableList(state.commits());
    this.heuristics = Collections.unmodifiableList(state.heuristics());
    this.incarnation = state.incarnation();
    this.lockHolder = lockHolder;
  }

  /**
   * Reads the log in {@code directory} without changing anything.
   *
   * @throws NoSuchFileException when the directory does not exist
   * @throws IOException when a file cannot be read
   */
  public static LogInspection of(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new NoSuchFileException(directory.toString(), null, "no such log directory");
    }
    List<Path> files = SegmentFiles.list(directory);
    List<Segment> segments = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    LiveState state = new LiveState();
    for (int i = 1; i < files.size(); i++) {
      long previous = SegmentFiles.sequenceOf(files.get(i - 1));
      long current = SegmentFiles.sequenceOf(files.get(i));
      if (current != previous + 1) {
        problems.add(
            new Problem(
                ProblemKind.MISSING_SEGMENT,
                directory.resolve(SegmentFiles.segmentName(previous + 1)),
                -1,
                "segment "
                    + SegmentFiles.segmentName(previous + 1)
                    + " is missing between "
                    + files.get(i - 1).getFileName()
                    + " and "
                    + files.get(i).getFileName()));
      }
    }
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      byte[] bytes = Files.readAllBytes(file);
      SegmentScan scan = SegmentScanner.scan(file, bytes, i == files.size() - 1);
      SegmentHeader header = scan.header();
      segments.add(
          new Segment(
              file,
              SegmentFiles.sequenceOf(file),
              header == null ? null : header.nodeId(),
              header == null ? 0 : header.createdMillis(),
              bytes.length,
              scan.validEnd(),
              scan.records().size()));
      if (scan.snapshotComplete()) {
        state.clear();
      }
      for (SegmentScan.Located located : scan.records()) {
        entries.add(describe(file, located));
        state.apply(located.entry());
      }
      if (!scan.clean()) {
        SegmentScan.Damage damage = scan.damage();
        problems.add(
            damage.tornTail()
                ? new Problem(
                    ProblemKind.TORN_TAIL,
                    file,
                    damage.discardFrom(),
                    "torn tail at offset "
                        + damage.discardFrom()
                        + " ("
                        + damage.reason()
                        + " at offset "
                        + damage.offset()
                        + "); "
                        + (damage.discardTo() - damage.discardFrom())
                        + " bytes of a write that was never acknowledged; the next open truncates"
                        + " them")
                : new Problem(
                    ProblemKind.CORRUPTION,
                    file,
                    damage.offset(),
                    "corrupted at offset " + damage.offset() + ": " + damage.reason()));
      }
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        String name = file.getFileName().toString();
        if (SegmentFiles.isTemporary(file)) {
          problems.add(
              new Problem(
                  ProblemKind.NOTE,
                  file,
                  -1,
                  "left by a segment creation a crash interrupted; the next open deletes it"));
        } else if (name.contains(".damaged-")) {
          problems.add(
              new Problem(
                  ProblemKind.NOTE, file, -1, "a damaged segment an operator set aside earlier"));
        }
      }
    }
    return new LogInspection(directory, segments, entries, problems, state, lockHolder(directory));
  }

  /** Who holds the directory's lock, or null when no process does (or it cannot be told). */
  private static String lockHolder(Path directory) {
    Path file = directory.resolve(SegmentFiles.LOCK_FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
      if (lock != null) {
        lock.release();
        return null;
      }
      String owner = Files.readString(file).trim();
      return owner.isEmpty() ? "another process" : owner;
    } catch (OverlappingFileLockException e) {
      return "this process";
    } catch (IOException e) {
      return null;
    }
  }

  private static Entry describe(Path file, SegmentScan.Located located) {
    LogEntry entry = located.entry();
    Map<String, Object> fields = new LinkedHashMap<>();
    if (entry instanceof LogEntry.Incarnation incarnation) {
      fields.put("incarnation", incarnation.value());
    } else if (entry instanceof LogEntry.Commit commit) {
      fields.put("gtrid", RecordLimits.hex(commit.record().gtrid()));
      fields.put("timeMillis", commit.record().timeMillis());
      List<Map<String, Object>> branches = new ArrayList<>();
      for (BranchRecord branch : commit.record().branches()) {
        branches.add(branchFields(branch));
      }
      fields.put("branches", branches);
    } else if (entry instanceof LogEntry.End end) {
      fields.put("gtrid", end.gtrid().toString());
    } else if (entry instanceof LogEntry.Heuristic heuristic) {
      HeuristicRecord record = heuristic.record();
      fields.put("gtrid", RecordLimits.hex(record.gtrid()));
      fields.put("timeMillis", record.timeMillis());
      fields.put("branch", branchFields(record.branch()));
      fields.put("outcome", record.outcome().name());
      fields.put("detail", record.detail());
    } else if (entry instanceof LogEntry.Forget forget) {
      fields.put("gtrid", forget.gtrid().toString());
    } else if (entry instanceof LogEntry.Batch batch) {
      fields.put("records", batch.frameCount());
      fields.put("bytes", batch.frameBytes());
    } else if (entry instanceof LogEntry.Checkpoint checkpoint) {
      fields.put("records", checkpoint.recordCount());
    }
    return new Entry(
        file,
        located.offset(),
        RecordCodec.typeName(RecordCodec.typeOf(entry)),
        Collections.unmodifiableMap(fields));
  }

  private static Map<String, Object> branchFields(BranchRecord branch) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("resourceName", branch.resourceName());
    fields.put("bqual", RecordLimits.hex(branch.bqual()));
    return fields;
  }

  public Path directory() {
    return directory;
  }

  /** Segment files, oldest first. */
  public List<Segment> segments() {
    return segments;
  }

  /** Every valid record of every segment, in file order. */
  public List<Entry> entries() {
    return entries;
  }

  /** Findings: torn tails, corruption, missing segments, notes. */
  public List<Problem> problems() {
    return problems;
  }

  /** True when the next {@link TransactionLog#open} would refuse to start. */
  public boolean corrupted() {
    return problems.stream().anyMatch(Problem::stopsStartUp);
  }

  /** COMMIT records without an END, as the next open would see them. */
  public List<CommitRecord> liveCommits() {
    return liveCommits;
  }

  /** HEURISTIC records not forgotten. */
  public List<HeuristicRecord> heuristics() {
    return heuristics;
  }

  /** The newest incarnation recorded (0 for an empty directory). */
  public long incarnation() {
    return incarnation;
  }

  /** The process that holds the directory's lock (its records may still be changing), or null. */
  public String lockHolder() {
    return lockHolder;
  }
}
