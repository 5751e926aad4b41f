package io.concord.log;

import static io.concord.log.TransactionLogTest.commit;
import static io.concord.log.TransactionLogTest.gtrid;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpointing: finished transactions are reclaimed, live ones carried forward, disk bounded. */
class CheckpointTest {

  private static final long SEGMENT = 8192;

  @TempDir Path directory;

  LogOptions.Builder options() {
    // Compressed time: tiny segments and no fsync, so a long run rolls hundreds of segments.
    return LogOptions.builder(directory)
        .nodeId("node-a")
        .segmentSizeBytes(SEGMENT)
        .forceMode(ForceMode.NONE);
  }

  static HeuristicRecord heuristic(int n) {
    return new HeuristicRecord(
        gtrid(n),
        new BranchRecord("jdbc/stock", new byte[] {0, 0, 0, 2}),
        HeuristicOutcome.MIXED,
        1_700_000_000_000L + n,
        "branch " + n + " rolled back on its own");
  }

  @Test
  void endlessLoadKeepsTheSegmentCountAndSizeBoundedAndLiveRecordsSurvive() throws Exception {
    Set<Integer> live = new HashSet<>();
    int maxSegments = 0;
    long maxBytes = 0;
    List<HeuristicRecord> heuristics = new ArrayList<>();
    try (TransactionLog log = TransactionLog.open(options().build())) {
      for (int i = 0; i < 20_000; i++) {
        log.appendCommit(commit(i));
        if (i % 1000 == 7) {
          live.add(i); // some transactions stay in doubt for a long time
        } else {
          log.appendEnd(gtrid(i));
        }
        if (i % 5000 == 11) {
          HeuristicRecord record = heuristic(i);
          log.appendHeuristic(record);
          heuristics.add(record);
        }
        if (i % 500 == 0) {
          maxSegments = Math.max(maxSegments, LogFiles.segments(directory).size());
          maxBytes = Math.max(maxBytes, log.sizeOnDiskBytes());
        }
      }
      assertThat(maxSegments).isLessThanOrEqualTo(2);
      assertThat(maxBytes).isLessThanOrEqualTo(3 * SEGMENT); // active, spare, previous
      // 20 000 commits of ~90 bytes = 1.8 MB: the log rolled many times
      long sequence = SegmentFiles.sequenceOf(LogFiles.segments(directory).get(0));
      assertThat(sequence).isGreaterThan(100);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      Set<Integer> reopened = new HashSet<>();
      for (CommitRecord record : log.liveCommits()) {
        reopened.add(
            Integer.parseInt(
                new String(record.gtrid(), java.nio.charset.StandardCharsets.UTF_8).substring(3)));
      }
      assertThat(reopened).isEqualTo(live);
      assertThat(log.heuristics()).containsExactlyInAnyOrderElementsOf(heuristics);
      assertThat(LogFiles.segments(directory)).hasSize(1);
    }
  }

  @Test
  void incarnationIsCarriedAcrossCheckpoints() throws Exception {
    long first;
    try (TransactionLog log = TransactionLog.open(options().build())) {
      first = log.incarnation();
      for (int i = 0; i < 2000; i++) {
        log.appendCommit(commit(i));
        log.appendEnd(gtrid(i));
      }
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.incarnation()).isGreaterThan(first);
    }
  }

  @Test
  void liveRecordsLargerThanASegmentGrowTheNextSegmentInsteadOfLooping() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      for (int i = 0; i < 300; i++) { // ~27 KB of live commits, more than three segments
        log.appendCommit(commit(i));
      }
      assertThat(LogFiles.segments(directory)).hasSize(1);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).isEqualTo(LogDamageTest.commits(0, 300));
    }
  }
}
