package io.concord.log;

import java.nio.file.Path;
import java.util.List;

/**
 * What reading one segment file found: its header, every record of the snapshot and of the complete
 * batches (with their offsets), where the valid data ends and, if the file holds bytes that are not
 * valid data, what and where.
 */
record SegmentScan(
    Path file,
    SegmentHeader header,
    List<Located> records,
    boolean snapshotComplete,
    long validEnd,
    Damage damage) {

  /** A record and the offset of its frame in the file. */
  record Located(long offset, LogEntry entry) {}

  /**
   * Bytes that are not valid data.
   *
   * @param offset where the first invalid byte or frame starts
   * @param reason what is wrong there
   * @param tornTail true when this can only be the unfinished last write of the newest segment:
   *     every non-zero byte from {@code discardFrom} on lies within that one write, so it was never
   *     acknowledged and is truncated; false when acknowledged data may be damaged (corruption)
   * @param discardFrom the start of the batch that holds the damage; valid data ends here
   * @param discardTo one past the last non-zero byte at or after {@code discardFrom}
   */
  record Damage(long offset, String reason, boolean tornTail, long discardFrom, long discardTo) {}

  boolean clean() {
    return damage == null;
  }

  String describeDamage() {
    return file + " at offset " + damage.offset() + ": " + damage.reason();
  }
}
