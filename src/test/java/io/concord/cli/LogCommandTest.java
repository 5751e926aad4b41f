package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogInspection;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogCommandTest {

  @TempDir Path directory;

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    CommandLine commandLine = ConcordCommand.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  static CommitRecord commit(int n) {
    return new CommitRecord(
        new byte[] {(byte) 0xCA, (byte) n},
        List.of(
            new BranchRecord("jdbc/orders", new byte[] {0, 0, 0, 1}),
            new BranchRecord("jdbc/stock", new byte[] {0, 0, 0, 2})),
        1_700_000_000_000L);
  }

  private Path writeLog() throws Exception {
    try (TransactionLog log =
        TransactionLog.open(
            LogOptions.builder(directory).nodeId("node-a").segmentSizeBytes(8192).build())) {
      for (int i = 0; i < 4; i++) {
        log.appendCommit(commit(i));
      }
      log.appendEnd(commit(0).gtrid());
      log.appendHeuristic(
          new HeuristicRecord(
              commit(3).gtrid(),
              commit(3).branches().get(1),
              HeuristicOutcome.ROLLED_BACK,
              1_700_000_000_000L,
              "rolled back by the DBA"));
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".log"))
          .findFirst()
          .orElseThrow();
    }
  }

  private long lastBatchOffset() throws Exception {
    List<LogInspection.Entry> entries = LogInspection.of(directory).entries();
    long offset = -1;
    for (LogInspection.Entry entry : entries) {
      if (entry.type().equals("BATCH")) {
        offset = entry.offset();
      }
    }
    return offset;
  }

  private long firstCommitOffset() throws Exception {
    return LogInspection.of(directory).entries().stream()
        .filter(e -> e.type().equals("COMMIT"))
        .findFirst()
        .orElseThrow()
        .offset();
  }

  private static void flip(Path file, long offset) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int value = raf.read();
      raf.seek(offset);
      raf.write(value ^ 0x10);
    }
  }

  private String digest() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> files = Files.list(directory).sorted()) {
      for (Path file : (Iterable<Path>) files::iterator) {
        sha.update(file.getFileName().toString().getBytes());
        sha.update(Files.readAllBytes(file));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void verifyReportsLiveTransactionsAndHeuristics() throws Exception {
    writeLog();
    Run run = run("log", "verify", directory.toString());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Checked every CRC")
        .contains("node node-a")
        .contains("Live transactions (COMMIT without END): 3")
        .contains("gtrid ca01")
        .doesNotContain("gtrid ca00 ")
        .contains("jdbc/orders:00000001")
        .contains("Heuristic outcomes not forgotten: 1")
        .contains("ROLLED_BACK")
        .contains("rolled back by the DBA")
        .contains("Result: OK.");
  }

  @Test
  void verifyReportsATornTailExitsZeroAndChangesNothing() throws Exception {
    Path segment = writeLog();
    long last = lastBatchOffset();
    flip(segment, last + 30); // inside the last batch
    String before = digest();
    Run run = run("log", "verify", directory.toString());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("TORN TAIL: " + segment + ": torn tail at offset " + last)
        .contains("Result: OK (with a torn tail");
    assertThat(digest()).isEqualTo(before);
  }

  @Test
  void verifyExitsNonZeroOnCorruptionNamingFileAndOffset() throws Exception {
    Path segment = writeLog();
    long commit = firstCommitOffset();
    flip(segment, commit + 12);
    String before = digest();
    Run run = run("log", "verify", directory.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("CORRUPTED: " + segment + ": corrupted at offset " + commit)
        .contains("CRC mismatch");
    assertThat(run.out()).contains("Result: CORRUPTED");
    assertThat(digest()).isEqualTo(before);
  }

  @Test
  void verifyOfAMissingDirectoryExitsTwo() {
    Run run = run("log", "verify", directory.resolve("nope").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot read transaction log").contains("nope");
  }

  @Test
  void verifyNamesTheProcessThatHoldsTheLog() throws Exception {
    writeLog();
    try (TransactionLog log =
        TransactionLog.open(LogOptions.builder(directory).nodeId("node-a").build())) {
      Run run = run("log", "verify", directory.toString());
      assertThat(run.exitCode()).isZero();
      assertThat(run.out()).contains("in use by");
    }
  }

  @Test
  void inspectPrintsEveryRecord() throws Exception {
    Path segment = writeLog();
    Run run = run("log", "inspect", directory.toString());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains(segment.getFileName() + "@64 INCARNATION incarnation=0")
        .contains("COMMIT gtrid=ca02")
        .contains("END gtrid=ca00")
        .contains("HEURISTIC gtrid=ca03")
        .contains("CHECKPOINT records=1");
  }

  @Test
  void inspectJsonPrintsOneObjectPerLine() throws Exception {
    writeLog();
    Run run = run("log", "inspect", directory.toString(), "--json");
    assertThat(run.exitCode()).isZero();
    ObjectMapper json = new ObjectMapper();
    int commits = 0;
    for (String line : run.out().split("\n")) {
      JsonNode node = json.readTree(line);
      assertThat(node.get("file").asText()).startsWith("wal-");
      assertThat(node.get("offset").asLong()).isGreaterThanOrEqualTo(64);
      if (node.get("type").asText().equals("COMMIT")) {
        commits++;
        assertThat(node.get("branches").get(1).get("resourceName").asText())
            .isEqualTo("jdbc/stock");
        assertThat(node.get("branches").get(1).get("bqual").asText()).isEqualTo("00000002");
      }
    }
    assertThat(commits).isEqualTo(4);
  }

  @Test
  void inspectJsonReportsCorruptionAndExitsOne() throws Exception {
    Path segment = writeLog();
    long commit = firstCommitOffset();
    flip(segment, commit + 12);
    Run run = run("log", "inspect", directory.toString(), "--json");
    assertThat(run.exitCode()).isEqualTo(1);
    String[] lines = run.out().split("\n");
    JsonNode problem = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(problem.get("type").asText()).isEqualTo("PROBLEM");
    assertThat(problem.get("kind").asText()).isEqualTo("CORRUPTION");
    assertThat(problem.get("offset").asLong()).isEqualTo(commit);
  }
}
