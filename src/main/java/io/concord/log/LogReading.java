package io.concord.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reading: scans every segment, refuses damage (or sets it aside when the operator asked
 * for it), rebuilds the live state and decides where the writer continues.
 */
final class LogReading {

  private static final Logger LOG = LoggerFactory.getLogger(LogReading.class);

  private final LiveState state;
  private final LogWriter.Start start;

  private LogReading(LiveState state, LogWriter.Start start) {
    this.state = state;
    this.start = start;
  }

  LiveState state() {
    return state;
  }

  LogWriter.Start start() {
    return start;
  }

  static LogReading read(LogOptions options) throws LogException {
    Path directory = options.directory();
    List<Path> segments = listSegments(directory);
    List<SegmentScan> scans = new ArrayList<>(segments.size());
    for (int i = 0; i < segments.size(); i++) {
      Path segment = segments.get(i);
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(segment);
      } catch (IOException e) {
        throw new LogException("Cannot read transaction log segment " + segment + ": " + e, e);
      }
      scans.add(SegmentScanner.scan(segment, bytes, i == segments.size() - 1));
    }

    // Check everything before changing anything on disk.
    for (int i = 1; i < segments.size(); i++) {
      long previous = SegmentFiles.sequenceOf(segments.get(i - 1));
      long current = SegmentFiles.sequenceOf(segments.get(i));
      if (current != previous + 1) {
        String message =
            "Transaction log "
                + directory
                + " is missing segment "
                + SegmentFiles.segmentName(previous + 1)
                + " (found "
                + segments.get(i - 1).getFileName()
                + " and "
                + segments.get(i).getFileName()
                + "). Segment files must never be deleted by hand.";
        if (!options.setAsideDamagedSegments()) {
          throw new LogCorruptedException(message);
        }
        LOG.warn("{} Continuing because setAsideDamagedSegments is on.", message);
      }
    }
    for (SegmentScan scan : scans) {
      if (scan.header() != null && !scan.header().nodeId().equals(options.nodeId())) {
        throw new LogException(
            "Transaction log segment "
                + scan.file()
                + " belongs to node '"
                + scan.header().nodeId()
                + "', but this log was opened with node id '"
                + options.nodeId()
                + "'. Each node needs its own log directory; recovery depends on the node id.");
      }
      if (!scan.clean() && !scan.damage().tornTail() && !options.setAsideDamagedSegments()) {
        throw new LogCorruptedException(
            "Transaction log segment "
                + scan.describeDamage()
                + ". Start-up stopped: this is not a torn tail of the newest segment, and nothing"
                + " is skipped silently. Check it with 'concord log verify "
                + directory
                + "'; an operator may set the segment aside (option setAsideDamagedSegments).");
      }
    }

    LiveState state = new LiveState();
    boolean newestSetAside = false;
    List<Path> kept = new ArrayList<>();
    for (int i = 0; i < scans.size(); i++) {
      SegmentScan scan = scans.get(i);
      boolean newest = i == scans.size() - 1;
      if (!scan.clean() && !scan.damage().tornTail()) {
        setAside(
            scan.file(),
            scan.describeDamage()
                + "; keeping the "
                + countRecords(scan)
                + " records read before the damage");
        newestSetAside = newest;
      } else {
        kept.add(scan.file());
      }
      if (scan.snapshotComplete()) {
        state.clear();
      }
      for (SegmentScan.Located located : scan.records()) {
        state.apply(located.entry());
      }
    }

    if (scans.isEmpty() || newestSetAside) {
      long next =
          scans.isEmpty() ? 1 : SegmentFiles.sequenceOf(scans.get(scans.size() - 1).file()) + 1;
      return new LogReading(state, new LogWriter.Start(next, true, 0, 0, 0, kept));
    }
    SegmentScan newest = scans.get(scans.size() - 1);
    long zeroFrom = 0;
    long zeroTo = 0;
    if (!newest.clean()) {
      SegmentScan.Damage damage = newest.damage();
      zeroFrom = damage.discardFrom();
      zeroTo = damage.discardTo();
      LOG.warn(
          "Truncating the torn tail of {} at offset {}: {} at offset {}; {} bytes of a write that"
              + " was never acknowledged are discarded",
          newest.file(),
          damage.discardFrom(),
          damage.reason(),
          damage.offset(),
          damage.discardTo() - damage.discardFrom());
    }
    kept.remove(newest.file());
    return new LogReading(
        state,
        new LogWriter.Start(
            SegmentFiles.sequenceOf(newest.file()),
            false,
            newest.validEnd(),
            zeroFrom,
            zeroTo,
            kept));
  }

  private static long countRecords(SegmentScan scan) {
    return scan.records().stream()
        .filter(
            located ->
                !(located.entry() instanceof LogEntry.Batch
                    || located.entry() instanceof LogEntry.Checkpoint))
        .count();
  }

  private static void setAside(Path segment, String why) throws LogException {
    Path target = SegmentFiles.setAsideName(segment, System.currentTimeMillis());
    try {
      Files.move(segment, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new LogException("Cannot set aside damaged segment " + segment + ": " + e, e);
    }
    LOG.warn("Set aside damaged segment {} as {} ({})", segment, target.getFileName(), why);
  }

  private static List<Path> listSegments(Path directory) throws LogException {
    try {
      return new ArrayList<>(SegmentFiles.list(directory));
    } catch (IOException e) {
      throw new LogException("Cannot list transaction log directory " + directory + ": " + e, e);
    }
  }
}
