package io.concord.log;

import static io.concord.log.TransactionLogTest.commit;
import static io.concord.log.TransactionLogTest.gtrid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A failed write or force kills the log instance; what was acknowledged survives a reopen. */
class LogFailureTest {

  @TempDir Path directory;
  final FaultyChannel.Faults faults = new FaultyChannel.Faults();

  LogOptions.Builder options() {
    return LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(64 * 1024);
  }

  @Test
  void failedForceKillsTheLogAndEveryLaterAppendFails() throws Exception {
    try (TransactionLog log =
        TransactionLog.open(options().channelOpener(faults.opener()).build())) {
      log.appendCommit(commit(1));
      faults.failForceAfter(0);
      assertThatThrownBy(() -> log.appendCommit(commit(2)))
          .isInstanceOf(LogFailedException.class)
          .hasMessageContaining(directory.toString())
          .hasMessageContaining("injected fsync failure");
      faults.failForceAfter(Integer.MAX_VALUE); // the disk "recovers": the log stays dead
      assertThatThrownBy(() -> log.appendCommit(commit(3))).isInstanceOf(LogFailedException.class);
      assertThatThrownBy(() -> log.appendEnd(gtrid(1))).isInstanceOf(LogFailedException.class);
      assertThatThrownBy(() -> log.appendForget(gtrid(1))).isInstanceOf(LogFailedException.class);
      assertThat(log.liveCommits()).containsExactly(commit(1)); // commit 2 never became live
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      // commit 2 was written but its force failed: it may or may not be there, never half
      assertThat(log.liveCommits()).startsWith(commit(1)).hasSizeLessThanOrEqualTo(2);
      log.appendCommit(commit(4));
      assertThat(log.liveCommits()).contains(commit(1), commit(4));
    }
  }

  @Test
  // Without the handling the waiter is stranded (an append ignores interrupts): fail, not hang.
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aFailureApplyingAWrittenBatchFailsItsWaitersInsteadOfStrandingThem() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      log.appendCommit(commit(1));
      // A record whose frame is fine but whose in-memory form cannot be applied (a null commit):
      // the writer forces it, then applying it throws.
      byte[] frame = RecordCodec.encodeFrame(new LogEntry.Commit(commit(2)));
      LogWriter.Pending broken = new LogWriter.Pending(new LogEntry.Commit(null), frame, true);
      assertThatThrownBy(() -> log.appendForTests(broken))
          .isInstanceOf(LogFailedException.class)
          .hasMessageContaining("applying a written batch");
      assertThatThrownBy(() -> log.appendCommit(commit(3))).isInstanceOf(LogFailedException.class);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).containsExactly(commit(1), commit(2)); // it was forced
    }
  }

  @Test
  void diskFullWhileWritingKillsTheLogAndLosesNothingAcknowledged() throws Exception {
    try (TransactionLog log =
        TransactionLog.open(options().channelOpener(faults.opener()).build())) {
      for (int i = 0; i < 10; i++) {
        log.appendCommit(commit(i));
      }
      faults.diskFullAfter(0);
      assertThatThrownBy(() -> log.appendCommit(commit(10)))
          .isInstanceOf(LogFailedException.class)
          .hasMessageContaining("No space left on device");
      assertThatThrownBy(() -> log.appendCommit(commit(11))).isInstanceOf(LogFailedException.class);
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).isEqualTo(LogDamageTest.commits(0, 10));
    }
  }

  @Test
  void diskFullWhilePreparingTheNextSegmentKillsTheLog() throws Exception {
    List<CommitRecord> acknowledged = new java.util.ArrayList<>();
    try (TransactionLog log =
        TransactionLog.open(
            options().segmentSizeBytes(4096).channelOpener(faults.opener()).build())) {
      faults.diskFullAfter(3000); // less than a new 4 KiB segment
      LogFailedException failure = null;
      for (int i = 0; i < 200 && failure == null; i++) {
        try {
          log.appendCommit(commit(i));
          acknowledged.add(commit(i));
        } catch (LogFailedException e) {
          failure = e;
        }
      }
      assertThat(failure).isNotNull();
      assertThat(failure.getMessage()).contains("No space left on device");
    }
    try (TransactionLog log = TransactionLog.open(options().segmentSizeBytes(4096).build())) {
      assertThat(log.liveCommits()).isEqualTo(acknowledged);
    }
  }

  @Test
  void failureWhileOpeningIsReportedAndReleasesTheDirectory() throws Exception {
    faults.failForceAfter(0);
    assertThatThrownBy(() -> TransactionLog.open(options().channelOpener(faults.opener()).build()))
        .isInstanceOf(LogFailedException.class);
    try (TransactionLog log = TransactionLog.open(options().build())) {
      log.appendCommit(commit(1));
      assertThat(log.liveCommits()).containsExactly(commit(1));
    }
  }

  @Test
  void appendAfterCloseIsRefusedAndCloseIsIdempotent() throws Exception {
    TransactionLog log = TransactionLog.open(options().build());
    log.close();
    log.close();
    assertThatThrownBy(() -> log.appendCommit(commit(1)))
        .isInstanceOf(LogException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> log.appendEnd(gtrid(1)))
        .isInstanceOf(LogException.class)
        .hasMessageContaining("closed");
  }
}
