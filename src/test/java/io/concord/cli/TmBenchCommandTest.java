package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TmBenchCommandTest {

  private static String[] run(CommandLine cli, StringWriter out, StringWriter err, String... args) {
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new String[] {String.valueOf(exit), out.toString(), err.toString()};
  }

  @Test
  void printsTheFsyncFloorAndOneJsonLinePerThreadCount(@TempDir Path dir) throws Exception {
    StringWriter out = new StringWriter();
    String[] result =
        run(
            ConcordCommand.newCommandLine(),
            out,
            new StringWriter(),
            "bench",
            "tm",
            "--log-dir",
            dir.resolve("logs").toString(),
            "--threads",
            "1,2",
            "--seconds",
            "1",
            "--warmup-seconds",
            "0",
            "--json");
    assertThat(result[0]).isEqualTo("0");
    List<String> lines = Arrays.stream(result[1].split("\\R")).filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("{\"system\":\"fsync-floor\",\"threads\":1,");
    assertThat(lines.get(1)).startsWith("{\"system\":\"concord\",\"threads\":1,\"txPerSecond\":");
    assertThat(lines.get(2)).startsWith("{\"system\":\"concord\",\"threads\":2,\"txPerSecond\":");
    for (String line : lines) {
      assertThat(line).contains("\"p99Micros\":").doesNotContain("\"txPerSecond\":0.0");
    }
    // the per-run log directories are cleaned up
    try (var left = Files.list(dir.resolve("logs"))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void rejectsBadArguments(@TempDir Path dir) {
    StringWriter err = new StringWriter();
    String[] result =
        run(
            ConcordCommand.newCommandLine(),
            new StringWriter(),
            err,
            "bench",
            "tm",
            "--log-dir",
            dir.toString(),
            "--threads",
            "0",
            "--seconds",
            "1");
    assertThat(result[0]).isNotEqualTo("0");
    assertThat(result[2]).contains("--threads: 0 is not between 1 and 4096");
  }
}
