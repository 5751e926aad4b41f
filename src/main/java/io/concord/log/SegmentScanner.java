package io.concord.log;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a whole segment file and decides, byte by byte, what is valid.
 *
 * <p>Layout after the header: a snapshot (live records, then a CHECKPOINT frame counting them),
 * written and forced before the file was renamed into place, so it is never torn; then batches, one
 * per write of the writer: a BATCH frame with the byte length and count of the frames that follow,
 * then those frames; then zeros (preallocated) or the end of the file.
 *
 * <p>The writer forces each batch before it writes the next, so after a crash only the last batch
 * can be incomplete. Damage in the newest segment is a torn tail when (1) every non-zero byte from
 * the start of the damaged batch on lies inside that one batch (its declared length, or the largest
 * possible write when its BATCH frame is unreadable) and (2) no complete valid batch starts after
 * it. Anything else is corruption: it hit data that had been forced.
 */
final class SegmentScanner {

  /** The most bytes one write of the writer covers: a BATCH frame and its frames. */
  static final long MAX_WRITE_BYTES =
      RecordCodec.FRAME_HEADER_BYTES + 8 + LogWriter.MAX_BATCH_BYTES;

  private final Path file;
  private final byte[] bytes;
  private final boolean newest;
  private final List<SegmentScan.Located> records = new ArrayList<>();

  private SegmentScanner(Path file, byte[] bytes, boolean newest) {
    this.file = file;
    this.bytes = bytes;
    this.newest = newest;
  }

  /**
   * @param newest whether this is the newest segment, the only one that may have a torn tail
   */
  static SegmentScan scan(Path file, byte[] bytes, boolean newest) {
    return new SegmentScanner(file, bytes, newest).scan();
  }

  /** A frame read at some offset: its entry and where the next frame starts, or why not. */
  private record Frame(LogEntry entry, long next, String problem) {}

  private SegmentScan scan() {
    SegmentHeader header;
    try {
      header = SegmentHeader.decode(bytes);
    } catch (SegmentHeader.InvalidHeaderException e) {
      return corrupt(null, false, e.offset, e.getMessage());
    }
    long expected = SegmentFiles.sequenceOf(file);
    if (expected >= 0 && header.sequence() != expected) {
      return corrupt(
          header,
          false,
          12,
          "header says segment " + header.sequence() + " but the file name says " + expected);
    }
    long position = SegmentHeader.SIZE;
    int snapshotRecords = 0;
    while (true) {
      Frame frame = readFrame(position, bytes.length);
      if (frame.problem != null) {
        return corrupt(header, false, position, "snapshot: " + frame.problem);
      }
      LogEntry entry = frame.entry;
      if (entry instanceof LogEntry.Checkpoint checkpoint) {
        if (checkpoint.recordCount() != snapshotRecords) {
          return corrupt(
              header,
              false,
              position,
              "CHECKPOINT counts "
                  + checkpoint.recordCount()
                  + " snapshot records but "
                  + snapshotRecords
                  + " precede it");
        }
        records.add(new SegmentScan.Located(position, entry));
        position = frame.next;
        break;
      }
      if (!(entry instanceof LogEntry.Incarnation
          || entry instanceof LogEntry.Commit
          || entry instanceof LogEntry.Heuristic)) {
        return corrupt(
            header,
            false,
            position,
            "snapshot holds a " + RecordCodec.typeName(RecordCodec.typeOf(entry)) + " record");
      }
      records.add(new SegmentScan.Located(position, entry));
      snapshotRecords++;
      position = frame.next;
    }
    return scanBatches(header, position);
  }

  /** One batch read at some offset: its records and end, or where and why it is invalid. */
  private record BatchRead(
      List<SegmentScan.Located> records, long end, long problemOffset, String problem) {}

  private SegmentScan scanBatches(SegmentHeader header, long start) {
    long position = start;
    int length = bytes.length;
    while (true) {
      if (position == length) {
        return new SegmentScan(file, header, records, true, position, null);
      }
      if (isZero(position, Math.min(length, position + RecordCodec.FRAME_HEADER_BYTES))) {
        long lastNonZero = lastNonZero(position);
        if (lastNonZero < 0) {
          return new SegmentScan(file, header, records, true, position, null);
        }
        long firstNonZero = firstNonZero(position);
        return damaged(
            header,
            firstNonZero,
            position,
            -1,
            "non-zero bytes after the end of the records (first at offset "
                + firstNonZero
                + ", last at offset "
                + lastNonZero
                + ")");
      }
      BatchRead batch = readBatch(position);
      if (batch.problem() != null) {
        return damaged(header, batch.problemOffset(), position, batch.end(), batch.problem());
      }
      records.addAll(batch.records());
      position = batch.end();
    }
  }

  /**
   * Reads the batch at {@code position}. On failure {@code end} is the batch's declared end, or -1
   * when its BATCH frame is unreadable.
   */
  private BatchRead readBatch(long position) {
    int length = bytes.length;
    Frame batchFrame = readFrame(position, length);
    if (batchFrame.problem != null) {
      return new BatchRead(null, -1, position, batchFrame.problem);
    }
    if (!(batchFrame.entry instanceof LogEntry.Batch batch)) {
      return new BatchRead(
          null,
          -1,
          position,
          "expected a BATCH frame, found "
              + RecordCodec.typeName(RecordCodec.typeOf(batchFrame.entry)));
    }
    long batchEnd = batchFrame.next + batch.frameBytes();
    long limit = Math.min(batchEnd, length);
    long next = batchFrame.next;
    List<SegmentScan.Located> inBatch = new ArrayList<>(batch.frameCount() + 1);
    inBatch.add(new SegmentScan.Located(position, batch));
    for (int i = 0; i < batch.frameCount(); i++) {
      if (next >= batchEnd) {
        return new BatchRead(
            null,
            batchEnd,
            next,
            "BATCH at offset "
                + position
                + " claims "
                + batch.frameCount()
                + " records but its bytes end after "
                + i);
      }
      Frame frame = readFrame(next, limit);
      if (frame.problem != null) {
        return new BatchRead(null, batchEnd, next, frame.problem);
      }
      LogEntry entry = frame.entry;
      if (entry instanceof LogEntry.Batch || entry instanceof LogEntry.Checkpoint) {
        return new BatchRead(
            null,
            batchEnd,
            next,
            "a " + RecordCodec.typeName(RecordCodec.typeOf(entry)) + " frame inside a batch");
      }
      inBatch.add(new SegmentScan.Located(next, entry));
      next = frame.next;
    }
    if (next != batchEnd) {
      return new BatchRead(
          null,
          batchEnd,
          next,
          "BATCH at offset "
              + position
              + " declares "
              + batch.frameBytes()
              + " bytes of records but they end at offset "
              + next);
    }
    return new BatchRead(inBatch, batchEnd, -1, null);
  }

  /**
   * The offset of a complete, valid batch that starts after {@code from}, or -1. The writer writes
   * a batch only after the previous one was forced, so such a batch proves that the damage before
   * it hit data that had been forced and acknowledged.
   */
  private long laterBatch(long from) {
    for (long at = from + 1; at + RecordCodec.FRAME_HEADER_BYTES + 8 <= bytes.length; at++) {
      int offset = (int) at;
      if (bytes[offset + 8] != RecordCodec.TYPE_BATCH
          || bytes[offset] != 0
          || bytes[offset + 1] != 0
          || bytes[offset + 2] != 0
          || bytes[offset + 3] != 8) {
        continue; // a BATCH frame always has an 8-byte payload: cheap filter before the CRC
      }
      if (readBatch(at).problem() == null) {
        return at;
      }
    }
    return -1;
  }

  private SegmentScan corrupt(
      SegmentHeader header, boolean snapshotComplete, long offset, String why) {
    return new SegmentScan(
        file,
        header,
        records,
        snapshotComplete,
        offset,
        new SegmentScan.Damage(offset, why, false, offset, bytes.length));
  }

  /**
   * Damage inside the batch that starts at {@code batchStart}; {@code batchEnd} is its declared end
   * or -1 when its BATCH frame is unreadable.
   */
  private SegmentScan damaged(
      SegmentHeader header, long offset, long batchStart, long batchEnd, String why) {
    long lastNonZero = lastNonZero(batchStart);
    long extentEnd = batchEnd >= 0 ? batchEnd : batchStart + MAX_WRITE_BYTES;
    boolean torn = newest && lastNonZero < extentEnd;
    String reason = why;
    if (torn) {
      long later = laterBatch(batchStart);
      if (later >= 0) {
        torn = false;
        reason = why + "; a valid batch follows at offset " + later + ", so this data was forced";
      }
    }
    long discardTo = lastNonZero < 0 ? batchStart : lastNonZero + 1;
    return new SegmentScan(
        file,
        header,
        records,
        true,
        batchStart,
        new SegmentScan.Damage(offset, reason, torn, batchStart, discardTo));
  }

  private Frame readFrame(long position, long limit) {
    int offset = (int) position;
    long available = limit - position;
    if (available < RecordCodec.FRAME_HEADER_BYTES) {
      return new Frame(
          null,
          -1,
          "incomplete frame header ("
              + Math.max(0, available)
              + " of "
              + RecordCodec.FRAME_HEADER_BYTES
              + " bytes"
              + (limit == bytes.length
                  ? " before the end of the file)"
                  : " before the batch end)"));
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    int payloadLength = buffer.getInt(offset);
    if (payloadLength < 0 || payloadLength > RecordCodec.MAX_PAYLOAD_BYTES) {
      return new Frame(
          null, -1, "frame length " + Integer.toUnsignedString(payloadLength) + " is out of range");
    }
    long end = position + RecordCodec.FRAME_HEADER_BYTES + payloadLength;
    if (end > limit) {
      return new Frame(
          null,
          -1,
          "frame of "
              + payloadLength
              + " payload bytes runs past the end of the "
              + (limit == bytes.length ? "file" : "batch"));
    }
    int stored = buffer.getInt(offset + 4);
    int computed = RecordCodec.crcOf(bytes, offset, payloadLength);
    if (stored != computed) {
      return new Frame(
          null, -1, String.format("CRC mismatch (stored %08x, computed %08x)", stored, computed));
    }
    int type = bytes[offset + 8];
    try {
      LogEntry entry =
          RecordCodec.decodePayload(
              type,
              ByteBuffer.wrap(bytes, offset + RecordCodec.FRAME_HEADER_BYTES, payloadLength)
                  .slice());
      return new Frame(entry, end, null);
    } catch (RecordCodec.MalformedRecordException e) {
      return new Frame(null, -1, e.getMessage());
    }
  }

  private boolean isZero(long from, long to) {
    for (int i = (int) from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private long firstNonZero(long from) {
    for (int i = (int) from; i < bytes.length; i++) {
      if (bytes[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  /** The offset of the last non-zero byte at or after {@code from}, or -1. */
  private long lastNonZero(long from) {
    for (int i = bytes.length - 1; i >= from; i--) {
      if (bytes[i] != 0) {
        return i;
      }
    }
    return -1;
  }
}
