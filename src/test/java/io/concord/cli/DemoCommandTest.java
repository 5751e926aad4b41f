package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code concord demo} the way a user does, in a child JVM whose working directory is a fresh
 * temporary directory, and asserts the JSON summary's invariant.
 */
class DemoCommandTest {

  record Result(int exitCode, String stdout, String stderr) {
    JsonNode summary() throws IOException {
      String[] lines = stdout.strip().split("\n");
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
  }

  static Result concord(Path workDir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ConcordCommand.class.getName());
    command.addAll(List.of(args));
    Path out = workDir.resolve("stdout.txt");
    Path err = workDir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(
          "concord " + String.join(" ", args) + " did not finish in 5 minutes");
    }
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  @Tag("slow")
  void demoOnEmbeddedH2KeepsTheBooksBalanced(@TempDir Path dir) throws Exception {
    Result result = concord(dir, "demo", "--json", "--duration", "3", "--accounts", "100");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    JsonNode summary = result.summary();
    assertThat(summary.get("invariantHolds").asBoolean()).isTrue();
    assertThat(summary.get("totalBalance").asLong())
        .isEqualTo(summary.get("expectedBalance").asLong());
    assertThat(summary.get("committed").asLong()).isPositive();
    assertThat(summary.get("twoPhase").asLong()).isPositive();
    assertThat(summary.get("onePhase").asLong()).isPositive();
    assertThat(summary.get("brokenTransfers").asLong()).isZero();
    assertThat(summary.get("accountsPerShard").size()).isEqualTo(4);
    assertThat(Files.isDirectory(dir.resolve("concord-data/log"))).isTrue();
  }

  @Test
  @CrashTest
  void crashedDemoIsFinishedByTheNextRun(@TempDir Path dir) throws Exception {
    Result crashed =
        concord(dir, "demo", "--duration", "30", "--accounts", "100", "--crash-after", "3s");
    assertThat(crashed.exitCode()).as("halted JVM").isEqualTo(137);
    assertThat(crashed.stderr() + crashed.stdout()).contains("halting the JVM now");

    Result resumed = concord(dir, "demo", "--json", "--duration", "2");
    assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
    JsonNode summary = resumed.summary();
    assertThat(summary.get("invariantHolds").asBoolean()).as(resumed.stdout()).isTrue();
    assertThat(summary.get("brokenTransfers").asLong()).isZero();
    assertThat(resumed.stderr()).contains("start-up recovery done");
  }

  @Test
  @CrashTest
  void recoverCommandFinishesACrashedDemo(@TempDir Path dir) throws Exception {
    Path config =
        Path.of(System.getProperty("concord.test.projectDir", "."), "config", "h2.yaml")
            .toAbsolutePath();
    Result crashed =
        concord(
            dir,
            "demo",
            "--config",
            config.toString(),
            "--duration",
            "30",
            "--accounts",
            "100",
            "--crash-after",
            "3s");
    assertThat(crashed.exitCode()).as("halted JVM").isEqualTo(137);

    Result recovered = concord(dir, "recover", "--config", config.toString(), "--json");
    assertThat(recovered.exitCode()).as(recovered.stderr()).isZero();
    JsonNode report = new ObjectMapper().readTree(recovered.stdout());
    assertThat(report.isObject()).as(recovered.stdout()).isTrue();

    Result heuristics = concord(dir, "recover", "heuristics", "--config", config.toString());
    assertThat(heuristics.exitCode()).isZero();
    assertThat(heuristics.stdout()).contains("no heuristic outcomes recorded");
    Result forget = concord(dir, "recover", "forget", "00ff", "--config", config.toString());
    assertThat(forget.exitCode()).isEqualTo(1);
    assertThat(forget.stderr()).contains("no heuristic outcome recorded for 00ff");

    Result resumed =
        concord(dir, "demo", "--config", config.toString(), "--json", "--duration", "1");
    assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
    JsonNode summary = resumed.summary();
    assertThat(summary.get("invariantHolds").asBoolean()).as(resumed.stdout()).isTrue();
    assertThat(summary.get("recoveredCommitted").asLong())
        .as("concord recover left nothing in doubt")
        .isZero();
  }

  @Test
  void brokenConfigFailsWithFileAndLine(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, "node-id: x\ndemo:\n  acounts: 5\n");
    Result result = concord(dir, "demo", "--config", config.toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr()).contains("bad.yaml:3: demo.acounts: unknown key");
  }

  @DatabaseTest
  @Test
  void demoOnPostgres(@TempDir Path dir) throws Exception {
    runServerConfig(dir, "postgres.yaml");
  }

  @DatabaseTest
  @Test
  void demoOnMixedPostgresMariaDbAndH2(@TempDir Path dir) throws Exception {
    runServerConfig(dir, "mixed.yaml");
  }

  private static void runServerConfig(Path dir, String file) throws Exception {
    // Fails in CI (and skips locally) when the servers are down, like every database test.
    TestDatabase.create(DatabaseKind.POSTGRES).close();
    TestDatabase.create(DatabaseKind.MARIADB).close();
    Path config =
        Path.of(System.getProperty("concord.test.projectDir", "."), "config", file)
            .toAbsolutePath();
    Result result =
        concord(
            dir,
            "demo",
            "--config",
            config.toString(),
            "--json",
            "--reset",
            "--duration",
            "3",
            "--accounts",
            "100");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    JsonNode summary = result.summary();
    assertThat(summary.get("invariantHolds").asBoolean()).isTrue();
    assertThat(summary.get("twoPhase").asLong()).isPositive();
  }
}
