package io.concord.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The fixed 64-byte header at offset 0 of every segment file.
 *
 * <pre>
 *  0  8 bytes  magic "CONCWAL\n"
 *  8  u16      format version (1)
 * 10  u8       node id length (1..32)
 * 11  u8       reserved (0)
 * 12  u64      segment sequence number (equals the number in the file name)
 * 20  u64      creation time, epoch millis
 * 28  32 bytes node id, UTF-8, zero padded
 * 60  u32      CRC-32C of bytes 0..59
 * </pre>
 */
record SegmentHeader(int formatVersion, long sequence, long createdMillis, String nodeId) {

  static final int SIZE = 64;
  static final int FORMAT_VERSION = 1;
  static final byte[] MAGIC = "CONCWAL\n".getBytes(StandardCharsets.US_ASCII);

  /** Why a header could not be read, and at which offset of the file. */
  static final class InvalidHeaderException extends Exception {
    private static final long serialVersionUID = 1L;
    final long offset;

    InvalidHeaderException(long offset, String message) {
      super(message);
      this.offset = offset;
    }
  }

  byte[] encode() {
    byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocate(SIZE);
    buffer.put(MAGIC);
    buffer.putShort((short) formatVersion);
    buffer.put((byte) node.length);
    buffer.put((byte) 0);
    buffer.putLong(sequence);
    buffer.putLong(createdMillis);
    buffer.put(node);
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), 0, 60);
    buffer.putInt(60, (int) crc.getValue());
    return buffer.array();
  }

  static SegmentHeader decode(byte[] file) throws InvalidHeaderException {
    if (file.length < SIZE) {
      throw new InvalidHeaderException(
          0, "file is " + file.length + " bytes, shorter than the " + SIZE + "-byte header");
    }
    ByteBuffer buffer = ByteBuffer.wrap(file, 0, SIZE);
    for (int i = 0; i < MAGIC.length; i++) {
      if (file[i] != MAGIC[i]) {
        throw new InvalidHeaderException(
            i, "not a Concord log segment (wrong magic number at byte " + i + ")");
      }
    }
    int version = Short.toUnsignedInt(buffer.getShort(8));
    if (version != FORMAT_VERSION) {
      throw new InvalidHeaderException(
          8,
          "segment format version "
              + version
              + " is not supported (this build reads version "
              + FORMAT_VERSION
              + ")");
    }
    CRC32C crc = new CRC32C();
    crc.update(file, 0, 60);
    int stored = buffer.getInt(60);
    if ((int) crc.getValue() != stored) {
      throw new InvalidHeaderException(
          60,
          String.format(
              "segment header CRC mismatch (stored %08x, computed %08x)",
              stored, (int) crc.getValue()));
    }
    int nodeLength = Byte.toUnsignedInt(file[10]);
    if (nodeLength < 1 || nodeLength > LogOptions.MAX_NODE_ID_BYTES) {
      throw new InvalidHeaderException(10, "segment header has node id length " + nodeLength);
    }
    String nodeId = new String(file, 28, nodeLength, StandardCharsets.UTF_8);
    return new SegmentHeader(version, buffer.getLong(12), buffer.getLong(20), nodeId);
  }
}
