package io.concord.log;

import static io.concord.log.TransactionLogTest.commit;
import static io.concord.log.TransactionLogTest.gtrid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API's semantics and its errors on bad input. */
class LogApiTest {

  @TempDir Path directory;

  LogOptions.Builder options() {
    return LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(64 * 1024);
  }

  @Test
  void heuristicsStayUntilForgottenAndSurviveReopen() throws Exception {
    HeuristicRecord first = CheckpointTest.heuristic(1);
    HeuristicRecord second =
        new HeuristicRecord(
            gtrid(1),
            new BranchRecord("jdbc/orders", new byte[] {0, 0, 0, 1}),
            HeuristicOutcome.HAZARD,
            5,
            null);
    HeuristicRecord other = CheckpointTest.heuristic(2);
    try (TransactionLog log = TransactionLog.open(options().build())) {
      log.appendHeuristic(first);
      log.appendHeuristic(second);
      log.appendHeuristic(other);
      assertThat(log.heuristics()).containsExactly(first, second, other);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.heuristics()).containsExactly(first, second, other);
      log.appendForget(gtrid(1)); // forgets every branch of the transaction
      assertThat(log.heuristics()).containsExactly(other);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.heuristics()).containsExactly(other);
    }
  }

  @Test
  void liveCommitsIsADefensiveCopyInAppendOrder() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      for (int i = 0; i < 5; i++) {
        log.appendCommit(commit(i));
      }
      List<CommitRecord> copy = log.liveCommits();
      copy.clear();
      assertThat(log.liveCommits()).isEqualTo(LogDamageTest.commits(0, 5));
      log.appendEnd(gtrid(42)); // an END for an unknown gtrid is harmless
      log.appendEnd(gtrid(2));
      log.appendEnd(gtrid(2)); // so is a repeated one
      log.appendCommit(commit(5)); // the ENDs ride along with this forced batch
      assertThat(log.liveCommits())
          .containsExactly(commit(0), commit(1), commit(3), commit(4), commit(5));
    }
  }

  @Test
  void recordsAreImmutableValues() {
    byte[] gtrid = {1, 2, 3};
    byte[] bqual = {9};
    BranchRecord branch = new BranchRecord("ds", bqual);
    CommitRecord record = new CommitRecord(gtrid, new ArrayList<>(List.of(branch)), 7);
    gtrid[0] = 42;
    bqual[0] = 42;
    record.gtrid()[1] = 42;
    assertThat(record)
        .isEqualTo(
            new CommitRecord(
                new byte[] {1, 2, 3}, List.of(new BranchRecord("ds", new byte[] {9})), 7));
    assertThat(record.hashCode())
        .isEqualTo(
            new CommitRecord(
                    new byte[] {1, 2, 3}, List.of(new BranchRecord("ds", new byte[] {9})), 7)
                .hashCode());
    assertThat(record.toString()).contains("010203").contains("ds");
    assertThatThrownBy(() -> record.branches().add(branch))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void invalidRecordsAreRejectedWithClearMessages() {
    assertThatThrownBy(() -> new CommitRecord(new byte[0], List.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gtrid must be 1..64 bytes, got 0");
    assertThatThrownBy(() -> new CommitRecord(new byte[65], List.of(), 0))
        .hasMessageContaining("got 65");
    assertThatThrownBy(() -> new BranchRecord("", new byte[4]))
        .hasMessageContaining("resourceName must be 1..512 bytes");
    assertThatThrownBy(() -> new BranchRecord("ds", new byte[65]))
        .hasMessageContaining("bqual must be at most 64 bytes");
    assertThatThrownBy(() -> new BranchRecord("bad \uD800 surrogate", new byte[1]))
        .hasMessageContaining("not valid Unicode");
    assertThatThrownBy(() -> new CommitRecord(new byte[1], null, 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("branches");
  }

  @Test
  void optionsAreValidatedWithClearMessages() {
    assertThatThrownBy(() -> LogOptions.builder(directory).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodeId is required");
    assertThatThrownBy(() -> LogOptions.builder(directory).nodeId("x".repeat(33)).build())
        .hasMessageContaining("nodeId must be 1..32 bytes of UTF-8, got 33");
    assertThatThrownBy(
            () -> LogOptions.builder(directory).nodeId("n").segmentSizeBytes(100).build())
        .hasMessageContaining("segmentSizeBytes must be 4096..");
    assertThatThrownBy(() -> LogOptions.builder(directory).nodeId("n").maxPendingAppends(0).build())
        .hasMessageContaining("maxPendingAppends must be at least 1");
    assertThatThrownBy(() -> LogOptions.builder(directory).nodeId("n").forceMode(null).build())
        .hasMessageContaining("forceMode");
    LogOptions options = LogOptions.builder(directory).nodeId("n").build();
    assertThat(options.segmentSizeBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(options.maxPendingAppends()).isEqualTo(4096);
    assertThat(options.forceMode()).isEqualTo(ForceMode.FDATASYNC);
    assertThat(options.setAsideDamagedSegments()).isFalse();
  }

  @Test
  void directoryThatCannotBeCreatedIsReported() throws Exception {
    Path file = directory.resolve("a-file");
    Files.writeString(file, "x");
    assertThatThrownBy(
            () -> TransactionLog.open(LogOptions.builder(file.resolve("log")).nodeId("n").build()))
        .isInstanceOf(LogException.class)
        .hasMessageContaining(file.resolve("log").toString());
  }

  @Test
  void segmentsArePreallocatedAndSizeOnDiskCountsThem() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      log.appendCommit(commit(1));
      assertThat(Files.size(LogFiles.onlySegment(directory))).isEqualTo(64 * 1024);
      // the spare for the next roll is zero-filled in the background and counts too
      Path spare = SegmentFiles.temporary(directory, 2);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!(Files.exists(spare) && Files.size(spare) == 64 * 1024)
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(log.sizeOnDiskBytes()).isEqualTo(2 * 64 * 1024);
      assertThat(log.directory()).isEqualTo(directory);
    }
    assertThat(SegmentFiles.listTemporary(directory)).as("unused spare deleted at close").isEmpty();
  }
}
