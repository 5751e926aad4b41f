package io.concord.log;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Builds segment bytes for tests: copies of real segments under another sequence number. */
final class SegmentBuilder {

  private SegmentBuilder() {}

  /** The same segment with {@code sequence} in its header (and a matching header CRC). */
  static byte[] resequence(byte[] segment, long sequence) throws Exception {
    SegmentHeader header = SegmentHeader.decode(segment);
    byte[] copy = Arrays.copyOf(segment, segment.length);
    byte[] encoded =
        new SegmentHeader(header.formatVersion(), sequence, header.createdMillis(), header.nodeId())
            .encode();
    ByteBuffer.wrap(copy).put(encoded);
    return copy;
  }
}
