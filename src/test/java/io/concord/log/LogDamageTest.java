package io.concord.log;

import static io.concord.log.TransactionLogTest.commit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files give the documented outcome: torn tail truncated, anything else refused. */
class LogDamageTest {

  private static final int RECORDS = 5;

  @TempDir Path root;
  Path original;

  @BeforeEach
  void writeLog() throws Exception {
    original = root.resolve("original");
    try (TransactionLog log = TransactionLog.open(options(original).build())) {
      for (int i = 0; i < RECORDS; i++) {
        log.appendCommit(commit(i)); // sequential: one batch per record
      }
    }
  }

  /** Small segments keep the many copies and reopenings fast; the data fits in one. */
  static LogOptions.Builder options(Path directory) {
    return LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(4096);
  }

  static LogOptions.Builder largeSegments(Path directory) {
    return LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(64 * 1024);
  }

  static List<CommitRecord> commits(int from, int to) {
    List<CommitRecord> commits = new ArrayList<>();
    for (int i = from; i < to; i++) {
      commits.add(commit(i));
    }
    return commits;
  }

  private Path copy(String name) throws Exception {
    Path copy = root.resolve(name);
    LogFiles.copyDirectory(original, copy);
    return copy;
  }

  /** Opens and closes the log; not forcing its appends keeps these many reopenings fast. */
  private static List<CommitRecord> reopen(Path directory) throws Exception {
    try (TransactionLog log =
        TransactionLog.open(options(directory).forceMode(ForceMode.NONE).build())) {
      return log.liveCommits();
    }
  }

  @Test
  void tornTailCutAtEveryByteOfTheLastRecordIsTruncatedWithAWarning() throws Exception {
    Path segment = LogFiles.onlySegment(original);
    List<Long> batches = LogFiles.batchOffsets(segment);
    long lastStart = batches.get(batches.size() - 1);
    long end = LogFiles.scan(segment).validEnd();
    assertThat(end - lastStart).isGreaterThan(50);
    for (long cut = lastStart; cut < end; cut++) {
      for (boolean truncateFile : new boolean[] {false, true}) {
        Path copy = copy("cut-" + cut + "-" + truncateFile);
        Path damaged = LogFiles.onlySegment(copy);
        if (truncateFile) {
          LogFiles.truncate(damaged, cut);
        } else {
          LogFiles.zero(damaged, cut, end);
        }
        LogFiles.Captured<List<CommitRecord>> opened = LogFiles.capturingStderr(() -> reopen(copy));
        assertThat(opened.value()).as("cut at %d", cut).isEqualTo(commits(0, RECORDS - 1));
        if (allZero(Files.readAllBytes(segment), lastStart, cut)) {
          // what is left of the last batch is zeros: indistinguishable from the clean end
          assertThat(opened.stderr()).doesNotContain("torn tail");
        } else {
          assertThat(opened.stderr())
              .contains("WARN")
              .contains("torn tail of " + damaged)
              .contains("at offset " + lastStart);
        }
        // The tail is gone for good: new appends follow the valid data and read back cleanly.
        try (TransactionLog log =
            TransactionLog.open(options(copy).forceMode(ForceMode.NONE).build())) {
          log.appendCommit(commit(99));
        }
        LogFiles.Captured<List<CommitRecord>> again = LogFiles.capturingStderr(() -> reopen(copy));
        List<CommitRecord> expected = commits(0, RECORDS - 1);
        expected.add(commit(99));
        assertThat(again.value()).isEqualTo(expected);
        assertThat(again.stderr()).doesNotContain("WARN");
        LogFiles.deleteDirectory(copy);
      }
    }
  }

  private static boolean allZero(byte[] bytes, long from, long to) {
    for (long i = from; i < to; i++) {
      if (bytes[(int) i] != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void everySingleBitFlipIsRefusedOrTruncatesOnlyTheLastBatch() throws Exception {
    Path segment = LogFiles.onlySegment(original);
    List<Long> batches = LogFiles.batchOffsets(segment);
    long lastStart = batches.get(batches.size() - 1);
    long end = LogFiles.scan(segment).validEnd();
    Random random = new Random(42);
    // every byte of the data once (a random bit of it), then random bytes of the zero fill
    for (int trial = 0; trial < end + 50; trial++) {
      long offset = trial < end ? trial : end + random.nextInt((int) (4096 - end));
      int bit = random.nextInt(8);
      Path copy = copy("flip-" + trial);
      Path damaged = LogFiles.onlySegment(copy);
      LogFiles.flipBit(damaged, offset, bit);
      if (offset < lastStart) {
        Throwable thrown = catchThrowable(() -> reopen(copy));
        if (thrown == null) {
          throw new AssertionError("bit " + bit + " of byte " + offset + " was accepted");
        }
        assertThat(thrown)
            .isInstanceOf(LogCorruptedException.class)
            .hasMessageContaining(damaged.toString())
            .hasMessageContaining("offset ");
      } else if (offset < end) {
        assertThat(reopen(copy)).isEqualTo(commits(0, RECORDS - 1));
      } else {
        // in the zero fill right after the data: within one write of the end, so a torn tail
        assertThat(reopen(copy)).isEqualTo(commits(0, RECORDS));
      }
      LogFiles.deleteDirectory(copy);
    }
  }

  @Test
  void corruptionMessageNamesFileAndOffsetOfTheDamage() throws Exception {
    Path copy = copy("crc");
    Path damaged = LogFiles.onlySegment(copy);
    long secondBatch = LogFiles.batchOffsets(damaged).get(1);
    LogFiles.flipBit(damaged, secondBatch + 30, 3); // in the payload of the record after BATCH
    assertThatThrownBy(() -> reopen(copy))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining(damaged + " at offset " + (secondBatch + 17))
        .hasMessageContaining("CRC mismatch");
  }

  @Test
  void zeroedPageInsideForcedDataIsCorruption() throws Exception {
    Path directory = root.resolve("pages");
    try (TransactionLog log = TransactionLog.open(largeSegments(directory).build())) {
      for (int i = 0; i < 200; i++) {
        log.appendCommit(commit(i));
      }
    }
    Path segment = LogFiles.onlySegment(directory);
    long end = LogFiles.scan(segment).validEnd();
    assertThat(end).isGreaterThan(3 * 4096);
    LogFiles.zero(segment, 4096, 8192);
    assertThatThrownBy(() -> reopen(directory))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining(segment.toString());
  }

  @Test
  void zeroedLastPageIsATornTail() throws Exception {
    Path directory = root.resolve("lastpage");
    try (TransactionLog log = TransactionLog.open(largeSegments(directory).build())) {
      for (int i = 0; i < 200; i++) {
        log.appendCommit(commit(i));
      }
    }
    Path segment = LogFiles.onlySegment(directory);
    List<Long> batches = LogFiles.batchOffsets(segment);
    long lastStart = batches.get(batches.size() - 1);
    long page = lastStart / 4096 * 4096;
    // zero from the page boundary: the last batch and possibly some before it in the same page
    LogFiles.zero(segment, Math.max(page, lastStart), Math.max(page, lastStart) + 4096);
    assertThat(reopen(directory)).isEqualTo(commits(0, 199));
  }

  @Test
  void wrongMagicIsRefused() throws Exception {
    Path copy = copy("magic");
    Path damaged = LogFiles.onlySegment(copy);
    LogFiles.writeByte(damaged, 0, 'X');
    assertThatThrownBy(() -> reopen(copy))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining(damaged + " at offset 0")
        .hasMessageContaining("not a Concord log segment");
  }

  @Test
  void unknownFormatVersionIsRefused() throws Exception {
    Path copy = copy("version");
    Path damaged = LogFiles.onlySegment(copy);
    LogFiles.writeByte(damaged, 9, 7);
    assertThatThrownBy(() -> reopen(copy))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining(damaged + " at offset 8")
        .hasMessageContaining("format version 7 is not supported");
  }

  @Test
  void segmentTruncatedInsideItsSnapshotOrHeaderIsCorruption() throws Exception {
    for (long length : new long[] {0, 10, 63, 64, 70}) {
      Path copy = copy("short-" + length);
      Path damaged = LogFiles.onlySegment(copy);
      LogFiles.truncate(damaged, length);
      assertThatThrownBy(() -> reopen(copy))
          .as("truncated to %d bytes", length)
          .isInstanceOf(LogCorruptedException.class)
          .hasMessageContaining(damaged.toString());
    }
  }

  @Test
  void missingSegmentInTheMiddleIsRefused() throws Exception {
    Path copy = copy("gap");
    Path segment = LogFiles.onlySegment(copy);
    // Make an older and a newer segment around a hole: segments 1 and 3 of a log whose 2 is gone.
    byte[] bytes = Files.readAllBytes(segment);
    Files.delete(segment);
    Files.write(copy.resolve(SegmentFiles.segmentName(1)), SegmentBuilder.resequence(bytes, 1));
    Files.write(copy.resolve(SegmentFiles.segmentName(3)), SegmentBuilder.resequence(bytes, 3));
    assertThatThrownBy(() -> reopen(copy))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining("missing segment " + SegmentFiles.segmentName(2));
    // The operator option accepts it (the newest segment holds a complete snapshot) with a WARN.
    try (TransactionLog log =
        TransactionLog.open(options(copy).setAsideDamagedSegments(true).build())) {
      assertThat(log.liveCommits()).isEqualTo(commits(0, RECORDS));
    }
  }

  @Test
  void olderSegmentLeftByAnInterruptedCheckpointIsReadThenDeleted() throws Exception {
    Path copy = copy("older");
    Path segment = LogFiles.onlySegment(copy);
    byte[] bytes = Files.readAllBytes(segment);
    Files.delete(segment);
    Files.write(copy.resolve(SegmentFiles.segmentName(7)), SegmentBuilder.resequence(bytes, 7));
    Files.write(copy.resolve(SegmentFiles.segmentName(8)), SegmentBuilder.resequence(bytes, 8));
    assertThat(reopen(copy)).isEqualTo(commits(0, RECORDS));
    assertThat(LogFiles.segments(copy))
        .extracting(p -> p.getFileName().toString())
        .containsExactly(SegmentFiles.segmentName(8));
  }

  @Test
  void damageInAnOlderSegmentIsCorruptionEvenAtItsTail() throws Exception {
    Path copy = copy("older-torn");
    Path segment = LogFiles.onlySegment(copy);
    byte[] bytes = Files.readAllBytes(segment);
    long end = LogFiles.scan(segment).validEnd();
    Files.delete(segment);
    Path older = copy.resolve(SegmentFiles.segmentName(1));
    Files.write(older, SegmentBuilder.resequence(bytes, 1));
    Files.write(copy.resolve(SegmentFiles.segmentName(2)), SegmentBuilder.resequence(bytes, 2));
    LogFiles.truncate(older, end - 3);
    assertThatThrownBy(() -> reopen(copy))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining(older.toString());
  }

  @Test
  void operatorCanSetADamagedSegmentAsideAndKeepTheRecordsBeforeTheDamage() throws Exception {
    Path copy = copy("aside");
    Path damaged = LogFiles.onlySegment(copy);
    long thirdBatch = LogFiles.batchOffsets(damaged).get(2);
    LogFiles.flipBit(damaged, thirdBatch + 30, 1);
    assertThatThrownBy(() -> reopen(copy)).isInstanceOf(LogCorruptedException.class);
    LogFiles.Captured<List<CommitRecord>> opened =
        LogFiles.capturingStderr(
            () -> {
              try (TransactionLog log =
                  TransactionLog.open(options(copy).setAsideDamagedSegments(true).build())) {
                return log.liveCommits();
              }
            });
    // batch 0 holds the INCARNATION of the first open, so batches 1 and 2 hold commits 0 and 1
    assertThat(opened.value()).isEqualTo(commits(0, 1));
    assertThat(opened.stderr()).contains("WARN").contains("Set aside damaged segment " + damaged);
    try (Stream<Path> files = Files.list(copy)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(name -> name.startsWith(damaged.getFileName() + ".damaged-"));
    }
    // From now on the log opens normally.
    assertThat(reopen(copy)).isEqualTo(commits(0, 1));
  }

  @Test
  void directoryOfAnotherNodeIsRefused() throws Exception {
    assertThatThrownBy(
            () -> TransactionLog.open(LogOptions.builder(original).nodeId("node-b").build()))
        .isInstanceOf(LogException.class)
        .hasMessageContaining("belongs to node 'node-a'")
        .hasMessageContaining("node id 'node-b'");
  }

  @Test
  void leftoverTemporarySegmentIsDeleted() throws Exception {
    Path copy = copy("temporary");
    Path temporary = SegmentFiles.temporary(copy, 2);
    Files.write(temporary, new byte[] {1, 2, 3});
    assertThat(reopen(copy)).isEqualTo(commits(0, RECORDS));
    assertThat(temporary).doesNotExist();
  }
}
