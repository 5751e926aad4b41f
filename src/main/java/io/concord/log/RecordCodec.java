package io.concord.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Frames and payloads of log records.
 *
 * <pre>
 * frame   = u32 payloadLength | u32 crc32c | u8 type | payload      (big-endian)
 * crc32c  = CRC-32C over payloadLength, type and payload (everything but the crc field)
 * </pre>
 *
 * Type 0 never occurs in a frame, so nine zero bytes (the preallocated fill) mean "no record".
 */
final class RecordCodec {

  static final int FRAME_HEADER_BYTES = 9;
  static final int MAX_PAYLOAD_BYTES = 1 << 20;

  static final byte TYPE_INCARNATION = 1;
  static final byte TYPE_COMMIT = 2;
  static final byte TYPE_END = 3;
  static final byte TYPE_HEURISTIC = 4;
  static final byte TYPE_FORGET = 5;
  static final byte TYPE_BATCH = 6;
  static final byte TYPE_CHECKPOINT = 7;

  /** A frame whose bytes passed the CRC but do not hold a valid record of its type. */
  static final class MalformedRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedRecordException(String message) {
      super(message);
    }
  }

  private RecordCodec() {}

  static String typeName(int type) {
    switch (type) {
      case TYPE_INCARNATION:
        return "INCARNATION";
      case TYPE_COMMIT:
        return "COMMIT";
      case TYPE_END:
        return "END";
      case TYPE_HEURISTIC:
        return "HEURISTIC";
      case TYPE_FORGET:
        return "FORGET";
      case TYPE_BATCH:
        return "BATCH";
      case TYPE_CHECKPOINT:
        return "CHECKPOINT";
      default:
        return "UNKNOWN(" + type + ")";
    }
  }

  /** The whole frame (header and payload) of {@code entry}. */
  static byte[] encodeFrame(LogEntry entry) {
    byte[] payload = encodePayload(entry);
    byte[] frame = new byte[FRAME_HEADER_BYTES + payload.length];
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    buffer.putInt(payload.length);
    buffer.putInt(0); // crc, filled below
    buffer.put(typeOf(entry));
    buffer.put(payload);
    buffer.putInt(4, crcOf(frame, 0, payload.length));
    return frame;
  }

  /** The CRC of the frame starting at {@code offset} whose payload is {@code payloadLength}. */
  static int crcOf(byte[] bytes, int offset, int payloadLength) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, 4);
    crc.update(bytes, offset + 8, 1 + payloadLength);
    return (int) crc.getValue();
  }

  static byte typeOf(LogEntry entry) {
    if (entry instanceof LogEntry.Incarnation) {
      return TYPE_INCARNATION;
    } else if (entry instanceof LogEntry.Commit) {
      return TYPE_COMMIT;
    } else if (entry instanceof LogEntry.End) {
      return TYPE_END;
    } else if (entry instanceof LogEntry.Heuristic) {
      return TYPE_HEURISTIC;
    } else if (entry instanceof LogEntry.Forget) {
      return TYPE_FORGET;
    } else if (entry instanceof LogEntry.Batch) {
      return TYPE_BATCH;
    } else {
      return TYPE_CHECKPOINT;
    }
  }

  private static byte[] encodePayload(LogEntry entry) {
    Writer out = new Writer();
    if (entry instanceof LogEntry.Incarnation incarnation) {
      out.putLong(incarnation.value());
    } else if (entry instanceof LogEntry.Commit commit) {
      CommitRecord record = commit.record();
      out.putLong(record.timeMillis());
      out.putTinyBytes(record.gtrid());
      out.putShort(record.branches().size());
      for (BranchRecord branch : record.branches()) {
        putBranch(out, branch);
      }
    } else if (entry instanceof LogEntry.End end) {
      out.putTinyBytes(end.gtrid().bytes());
    } else if (entry instanceof LogEntry.Heuristic heuristic) {
      HeuristicRecord record = heuristic.record();
      out.putLong(record.timeMillis());
      out.putTinyBytes(record.gtrid());
      putBranch(out, record.branch());
      out.putByte(record.outcome().code);
      out.putIntBytes(RecordLimits.utf8(record.detail(), "detail"));
    } else if (entry instanceof LogEntry.Forget forget) {
      out.putTinyBytes(forget.gtrid().bytes());
    } else if (entry instanceof LogEntry.Batch batch) {
      out.putInt(batch.frameBytes());
      out.putInt(batch.frameCount());
    } else if (entry instanceof LogEntry.Checkpoint checkpoint) {
      out.putInt(checkpoint.recordCount());
    }
    return out.toByteArray();
  }

  private static void putBranch(Writer out, BranchRecord branch) {
    byte[] name = RecordLimits.utf8(branch.resourceName(), "resourceName");
    out.putShort(name.length);
    out.putBytes(name);
    out.putTinyBytes(branch.bqual());
  }

  /**
   * Decodes a payload whose CRC already matched.
   *
   * @throws MalformedRecordException when the type is unknown or the payload is not exactly a valid
   *     record of that type
   */
  static LogEntry decodePayload(int type, ByteBuffer payload) throws MalformedRecordException {
    try {
      LogEntry entry = decodeChecked(type, payload);
      if (payload.hasRemaining()) {
        throw new MalformedRecordException(
            typeName(type) + " record has " + payload.remaining() + " unexpected trailing bytes");
      }
      return entry;
    } catch (BufferUnderflowException e) {
      throw new MalformedRecordException(typeName(type) + " record is shorter than its content");
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedRecordException(typeName(type) + " record is invalid: " + e.getMessage());
    }
  }

  private static LogEntry decodeChecked(int type, ByteBuffer in) throws MalformedRecordException {
    switch (type) {
      case TYPE_INCARNATION:
        return new LogEntry.Incarnation(in.getLong());
      case TYPE_COMMIT:
        {
          long time = in.getLong();
          byte[] gtrid = getTinyBytes(in);
          int count = Short.toUnsignedInt(in.getShort());
          if (count > RecordLimits.MAX_BRANCHES) {
            throw new MalformedRecordException("COMMIT record claims " + count + " branches");
          }
          List<BranchRecord> branches = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            branches.add(getBranch(in));
          }
          return new LogEntry.Commit(new CommitRecord(gtrid, branches, time));
        }
      case TYPE_END:
        return new LogEntry.End(new GtridKey(RecordLimits.checkGtrid(getTinyBytes(in))));
      case TYPE_HEURISTIC:
        {
          long time = in.getLong();
          byte[] gtrid = getTinyBytes(in);
          BranchRecord branch = getBranch(in);
          int code = Byte.toUnsignedInt(in.get());
          HeuristicOutcome outcome = HeuristicOutcome.ofCode(code);
          if (outcome == null) {
            throw new MalformedRecordException("HEURISTIC record has unknown outcome " + code);
          }
          int detailLength = in.getInt();
          if (detailLength < 0 || detailLength > in.remaining()) {
            throw new MalformedRecordException(
                "HEURISTIC record has detail length " + detailLength);
          }
          String detail = getUtf8(in, detailLength);
          return new LogEntry.Heuristic(new HeuristicRecord(gtrid, branch, outcome, time, detail));
        }
      case TYPE_FORGET:
        return new LogEntry.Forget(new GtridKey(RecordLimits.checkGtrid(getTinyBytes(in))));
      case TYPE_BATCH:
        {
          int bytes = in.getInt();
          int count = in.getInt();
          if (bytes < FRAME_HEADER_BYTES || count < 1 || bytes > LogWriter.MAX_BATCH_BYTES) {
            throw new MalformedRecordException(
                "BATCH record claims " + count + " records in " + bytes + " bytes");
          }
          return new LogEntry.Batch(bytes, count);
        }
      case TYPE_CHECKPOINT:
        {
          int count = in.getInt();
          if (count < 0) {
            throw new MalformedRecordException("CHECKPOINT record claims " + count + " records");
          }
          return new LogEntry.Checkpoint(count);
        }
      default:
        throw new MalformedRecordException("unknown record type " + type);
    }
  }

  private static BranchRecord getBranch(ByteBuffer in) throws MalformedRecordException {
    int nameLength = Short.toUnsignedInt(in.getShort());
    String name = getUtf8(in, nameLength);
    byte[] bqual = getTinyBytes(in);
    return new BranchRecord(name, bqual);
  }

  private static byte[] getTinyBytes(ByteBuffer in) {
    int length = Byte.toUnsignedInt(in.get());
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  private static String getUtf8(ByteBuffer in, int length) throws MalformedRecordException {
    ByteBuffer slice = in.slice(in.position(), length);
    in.position(in.position() + length);
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(slice);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new MalformedRecordException("record holds a string that is not valid UTF-8");
    }
  }

  /** A growable big-endian byte sink. */
  private static final class Writer {
    private byte[] bytes = new byte[128];
    private int size;

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void putByte(int value) {
      ensure(1);
      bytes[size++] = (byte) value;
    }

    void putShort(int value) {
      ensure(2);
      bytes[size++] = (byte) (value >>> 8);
      bytes[size++] = (byte) value;
    }

    void putInt(int value) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (value >>> shift);
      }
    }

    void putLong(long value) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (value >>> shift);
      }
    }

    void putBytes(byte[] value) {
      ensure(value.length);
      System.arraycopy(value, 0, bytes, size, value.length);
      size += value.length;
    }

    /** Length as one unsigned byte, then the bytes (gtrid, bqual: at most 64). */
    void putTinyBytes(byte[] value) {
      putByte(value.length);
      putBytes(value);
    }

    void putIntBytes(byte[] value) {
      putInt(value.length);
      putBytes(value);
    }

    byte[] toByteArray() {
      return java.util.Arrays.copyOf(bytes, size);
    }
  }
}
