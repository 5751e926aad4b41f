package io.concord.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransactionLogTest {

  @TempDir Path directory;

  static byte[] gtrid(int n) {
    return ("tx-" + n).getBytes(StandardCharsets.UTF_8);
  }

  static CommitRecord commit(int n) {
    return new CommitRecord(
        gtrid(n),
        List.of(
            new BranchRecord("jdbc/orders", new byte[] {0, 0, 0, 1}),
            new BranchRecord("jdbc/stock", new byte[] {0, 0, 0, 2})),
        1_700_000_000_000L + n);
  }

  LogOptions.Builder options() {
    return LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(64 * 1024);
  }

  @Test
  void commitsSurviveReopenAndEndRemovesThem() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      for (int i = 0; i < 10; i++) {
        log.appendCommit(commit(i));
      }
      for (int i = 0; i < 10; i += 2) {
        log.appendEnd(gtrid(i));
      }
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits())
          .containsExactly(commit(1), commit(3), commit(5), commit(7), commit(9));
    }
  }

  @Test
  void incarnationGrowsOnEveryOpen() throws Exception {
    long previous = 0;
    for (int i = 0; i < 3; i++) {
      try (TransactionLog log = TransactionLog.open(options().build())) {
        assertThat(log.incarnation()).isGreaterThan(previous);
        previous = log.incarnation();
      }
    }
  }

  @Test
  void secondOpenOfTheSameDirectoryIsRefused() throws Exception {
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThatThrownBy(() -> TransactionLog.open(options().build()))
          .isInstanceOf(LogLockedException.class)
          .hasMessageContaining(directory.toString());
    }
  }

  @Test
  void manyThreadsAppendConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (TransactionLog log = TransactionLog.open(options().build())) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int base = t * 1000;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    log.appendCommit(commit(base + i));
                    if (i % 2 == 0) {
                      log.appendEnd(gtrid(base + i));
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } finally {
      pool.shutdown();
    }
    try (TransactionLog log = TransactionLog.open(options().build())) {
      assertThat(log.liveCommits()).hasSize(16 * 100);
    }
  }
}
