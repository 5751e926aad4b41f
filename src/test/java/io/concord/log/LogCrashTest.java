package io.concord.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.CrashTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability under kill -9: a child JVM appends from many threads and is killed at random moments,
 * many times, on the same log. After every restart each acknowledged commit is there (live, unless
 * its END may have been written) and no record appears that was never appended.
 */
@CrashTest
class LogCrashTest {

  private static final int RUNS = 25;
  private static final int THREADS = 8;
  private static final long SEGMENT = 16 * 1024; // small: the child rolls segments while it runs

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path root;

  Path directory;

  @org.junit.jupiter.api.BeforeEach
  void createDirectory() {
    directory = root.resolve("log");
  }

  @Test
  void acknowledgedCommitsSurviveKillNine() throws Exception {
    Random random = new Random();
    Set<Long> acknowledged = new HashSet<>();
    Set<Long> endIntended = new HashSet<>();
    Map<Long, Long> highestTried = new HashMap<>(); // per (run, thread) base: highest id acked
    int killedWhileRunning = 0;
    for (int run = 1; run <= RUNS; run++) {
      Process child = start(run);
      Thread.sleep(random.nextInt(run % 5 == 0 ? 600 : 1500)); // sometimes while it starts up
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // stdout goes to a file: destroyForcibly() closes the parent's pipe ends, which would lose
      // acknowledgements still in a pipe
      List<String> lines = Files.readAllLines(root.resolve("child-" + run + ".out"));
      String errors = Files.readString(root.resolve("child-" + run + ".err"));
      assertThat(errors).as("child stderr").doesNotContain("Exception");
      boolean ready = false;
      for (String line : lines) {
        if (line.equals("READY")) {
          ready = true;
        } else if (line.startsWith("C ")) {
          long id = Long.parseLong(line.substring(2));
          acknowledged.add(id);
          highestTried.merge(id / 1_000_000_000L, id, Math::max);
        } else if (line.startsWith("E ")) {
          endIntended.add(Long.parseLong(line.substring(2)));
        }
      }
      if (ready && lines.size() > 1) {
        killedWhileRunning++;
      }
      verify(acknowledged, endIntended, highestTried, run);
    }
    assertThat(killedWhileRunning).as("runs killed while appending").isGreaterThan(RUNS / 3);
    assertThat(acknowledged).hasSizeGreaterThan(1000);
  }

  private void verify(
      Set<Long> acknowledged, Set<Long> endIntended, Map<Long, Long> highestTried, int run)
      throws Exception {
    try (TransactionLog log =
        TransactionLog.open(
            LogOptions.builder(directory).nodeId("crash").segmentSizeBytes(SEGMENT).build())) {
      Set<Long> live = new HashSet<>();
      for (CommitRecord record : log.liveCommits()) {
        long id = Long.parseLong(new String(record.gtrid(), StandardCharsets.UTF_8).substring(1));
        live.add(id);
        // never appended: content differs from what the child appends, or an id beyond the one
        // each thread could have had in flight (its highest acknowledged + 1)
        assertThat(record).as("run %d: record %d", run, id).isEqualTo(CrashingAppender.record(id));
        long thread = id / 1_000_000_000L;
        long highest = highestTried.getOrDefault(thread, thread * 1_000_000_000L - 1);
        assertThat(id)
            .as("run %d: id %d was never appended", run, id)
            .isLessThanOrEqualTo(highest + 1);
      }
      for (long id : acknowledged) {
        if (!endIntended.contains(id)) {
          assertThat(live).as("run %d: acknowledged commit %d lost", run, id).contains(id);
        }
      }
      assertThat(LogFiles.segments(directory)).hasSizeLessThanOrEqualTo(2);
    }
  }

  private Process start(int run) throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            classpath,
            CrashingAppender.class.getName(),
            directory.toString(),
            Integer.toString(run),
            Integer.toString(THREADS),
            Long.toString(SEGMENT))
        .redirectOutput(root.resolve("child-" + run + ".out").toFile())
        .redirectError(root.resolve("child-" + run + ".err").toFile())
        .start();
  }
}
