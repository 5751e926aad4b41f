package io.concord.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips of random records through the codec and the segment reader. */
class RecordCodecProperties {

  @Provide
  Arbitrary<byte[]> gtrids() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64);
  }

  @Provide
  Arbitrary<BranchRecord> branches() {
    Arbitrary<String> names =
        Arbitraries.strings()
            .all()
            .ofMinLength(1)
            .ofMaxLength(60)
            .filter(RecordCodecProperties::isValidUnicode);
    Arbitrary<byte[]> bquals = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    return Combinators.combine(names, bquals).as(BranchRecord::new);
  }

  @Provide
  Arbitrary<LogEntry> entries() {
    Arbitrary<LogEntry> commits =
        Combinators.combine(gtrids(), branches().list().ofMaxSize(20), Arbitraries.longs())
            .as(
                (gtrid, branches, time) ->
                    new LogEntry.Commit(new CommitRecord(gtrid, branches, time)));
    Arbitrary<String> details =
        Arbitraries.strings().all().ofMaxLength(300).filter(RecordCodecProperties::isValidUnicode);
    Arbitrary<LogEntry> heuristics =
        Combinators.combine(
                gtrids(),
                branches(),
                Arbitraries.of(HeuristicOutcome.class),
                Arbitraries.longs(),
                details)
            .as(
                (gtrid, branch, outcome, time, detail) ->
                    new LogEntry.Heuristic(
                        new HeuristicRecord(gtrid, branch, outcome, time, detail)));
    Arbitrary<LogEntry> ends = gtrids().map(g -> new LogEntry.End(new GtridKey(g)));
    Arbitrary<LogEntry> forgets = gtrids().map(g -> new LogEntry.Forget(new GtridKey(g)));
    Arbitrary<LogEntry> incarnations = Arbitraries.longs().map(LogEntry.Incarnation::new);
    return Arbitraries.oneOf(commits, heuristics, ends, forgets, incarnations);
  }

  static boolean isValidUnicode(String text) {
    try {
      RecordLimits.utf8(text, "text");
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Property(tries = 500)
  void everyRecordDecodesToItself(@ForAll("entries") LogEntry entry) throws Exception {
    byte[] frame = RecordCodec.encodeFrame(entry);
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    int length = buffer.getInt(0);
    assertThat(length).isEqualTo(frame.length - RecordCodec.FRAME_HEADER_BYTES);
    assertThat(buffer.getInt(4)).isEqualTo(RecordCodec.crcOf(frame, 0, length));
    LogEntry decoded =
        RecordCodec.decodePayload(
            frame[8], ByteBuffer.wrap(frame, RecordCodec.FRAME_HEADER_BYTES, length).slice());
    assertThat(decoded).isEqualTo(entry);
  }

  @Property(tries = 100)
  void batchesOfRandomRecordsReadBackFromASegment(
      @ForAll @Size(min = 1, max = 10)
          List<@Size(min = 1, max = 8) List<@net.jqwik.api.From("entries") LogEntry>> batches)
      throws Exception {
    ByteBuffer segment = ByteBuffer.allocate(1 << 20);
    segment.put(new SegmentHeader(SegmentHeader.FORMAT_VERSION, 1, 0, "node").encode());
    segment.put(RecordCodec.encodeFrame(new LogEntry.Checkpoint(0)));
    List<LogEntry> written = new ArrayList<>();
    for (List<LogEntry> batch : batches) {
      List<byte[]> frames = new ArrayList<>();
      int bytes = 0;
      for (LogEntry entry : batch) {
        byte[] frame = RecordCodec.encodeFrame(entry);
        frames.add(frame);
        bytes += frame.length;
      }
      segment.put(RecordCodec.encodeFrame(new LogEntry.Batch(bytes, batch.size())));
      frames.forEach(segment::put);
      written.addAll(batch);
    }
    segment.position(segment.position() + 4096); // some zero fill
    byte[] bytes = java.util.Arrays.copyOf(segment.array(), segment.position());
    SegmentScan scan = SegmentScanner.scan(Path.of(SegmentFiles.segmentName(1)), bytes, true);
    assertThat(scan.clean()).as("%s", scan.damage()).isTrue();
    List<LogEntry> read = new ArrayList<>();
    for (SegmentScan.Located located : scan.records()) {
      if (!(located.entry() instanceof LogEntry.Batch
          || located.entry() instanceof LogEntry.Checkpoint)) {
        read.add(located.entry());
      }
    }
    assertThat(read).isEqualTo(written);
  }

  @Property(tries = 300)
  void anySingleBitFlipInAFrameIsDetected(
      @ForAll("entries") LogEntry entry, @ForAll @IntRange(min = 0, max = 100_000) int position) {
    byte[] frame = RecordCodec.encodeFrame(entry);
    int bit = position % (frame.length * 8);
    frame[bit / 8] ^= (byte) (1 << (bit % 8));
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    int length = buffer.getInt(0);
    boolean intact =
        length >= 0
            && length == frame.length - RecordCodec.FRAME_HEADER_BYTES
            && buffer.getInt(4) == RecordCodec.crcOf(frame, 0, length);
    assertThat(intact).isFalse();
  }
}
