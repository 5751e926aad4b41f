package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConcordCommandTest {

  private static String run(int expectedExit, String... args) {
    CommandLine cli = ConcordCommand.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args))
        .as("exit code of %s", String.join(" ", args))
        .isEqualTo(expectedExit);
    return out + err.toString();
  }

  @Test
  void helpListsTheCommand() {
    assertThat(run(0, "--help")).contains("Usage: concord");
  }

  @Test
  void versionIsPrinted() {
    assertThat(run(0, "--version")).startsWith("concord ");
  }

  @Test
  void unknownCommandFailsWithUsage() {
    assertThat(run(2, "no-such-command")).contains("Unmatched argument");
  }
}
