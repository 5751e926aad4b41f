package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogBenchCommandTest {

  @TempDir Path directory;

  @Test
  void jsonPrintsFloorAndLogPerThreadCountAndCleansUp() throws Exception {
    LogCommandTest.Run run =
        LogCommandTest.run(
            "bench",
            "log",
            "--dir",
            directory.toString(),
            "--threads",
            "1,3",
            "--seconds",
            "0.3",
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> systems = new ArrayList<>();
    for (String line : run.out().trim().split("\n")) {
      JsonNode node = new ObjectMapper().readTree(line);
      systems.add(node.get("system").asText() + "/" + node.get("threads").asInt());
      assertThat(node.get("opsPerSecond").asDouble()).isPositive();
      assertThat(node.get("p50Micros").asLong()).isPositive();
      assertThat(node.get("p99Micros").asLong())
          .isGreaterThanOrEqualTo(node.get("p50Micros").asLong());
      assertThat(node.size()).isEqualTo(5);
    }
    assertThat(systems)
        .containsExactly("fsync-floor/1", "concord-log/1", "fsync-floor/3", "concord-log/3");
    try (Stream<Path> left = Files.list(directory)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void tablePrintsAHeaderAndOneRowPerMeasurement() {
    LogCommandTest.Run run =
        LogCommandTest.run(
            "bench", "log", "--dir", directory.toString(), "--threads", "2", "--seconds", "0.2");
    assertThat(run.exitCode()).as(run.err()).isZero();
    String[] lines = run.out().trim().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).contains("system").contains("ops/s").contains("p99");
    assertThat(lines[1]).startsWith("fsync-floor").contains(" 2 ");
    assertThat(lines[2]).startsWith("concord-log");
  }

  @Test
  void noSpinWaitIsAccepted() {
    LogCommandTest.Run run =
        LogCommandTest.run(
            "bench",
            "log",
            "--dir",
            directory.toString(),
            "--threads",
            "2",
            "--seconds",
            "0.2",
            "--no-spin-wait");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("concord-log");
    LogBenchCommand off = new LogBenchCommand();
    new picocli.CommandLine(off).parseArgs("--dir", directory.toString(), "--no-spin-wait");
    assertThat(off.spinWait).isFalse();
    LogBenchCommand on = new LogBenchCommand();
    new picocli.CommandLine(on).parseArgs("--dir", directory.toString());
    assertThat(on.spinWait).isTrue();
  }

  @Test
  void badArgumentsAreRejected() {
    LogCommandTest.Run run =
        LogCommandTest.run("bench", "log", "--dir", directory.toString(), "--seconds", "0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--seconds must be > 0");
  }
}
