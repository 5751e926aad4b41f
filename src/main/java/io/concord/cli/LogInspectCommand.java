package io.concord.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.log.LogInspection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code concord log inspect DIR [--json]}: prints every record of a log. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Print every record of a transaction log (file, offset, type, fields) without changing it,"
          + " then any damage found.",
      "Exit status as for 'log verify': 0 readable, 1 corrupted, 2 unreadable."
    })
final class LogInspectCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  Path directory;

  @Option(
      names = "--json",
      description =
          "One JSON object per line: {\"file\",\"offset\",\"type\",…fields} per record, and"
              + " {\"file\",\"offset\",\"type\":\"PROBLEM\",\"kind\",\"message\"} per finding.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws JsonProcessingException {
    PrintWriter out = spec.commandLine().getOut();
    LogInspection inspection;
    try {
      inspection = LogInspection.of(directory);
    } catch (IOException e) {
      spec.commandLine().getErr().println("Cannot read transaction log " + directory + ": " + e);
      return LogVerifyCommand.UNREADABLE;
    }
    for (LogInspection.Entry entry : inspection.entries()) {
      if (json) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("file", entry.file().getFileName().toString());
        object.put("offset", entry.offset());
        object.put("type", entry.type());
        object.putAll(entry.fields());
        out.println(JSON.writeValueAsString(object));
      } else {
        out.printf(
            "%s@%d %s %s%n",
            entry.file().getFileName(),
            entry.offset(),
            entry.type(),
            entry.fields().entrySet().stream()
                .map(field -> field.getKey() + "=" + field.getValue())
                .collect(Collectors.joining(" ")));
      }
    }
    for (LogInspection.Problem problem : inspection.problems()) {
      if (json) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("file", problem.file().getFileName().toString());
        object.put("offset", problem.offset());
        object.put("type", "PROBLEM");
        object.put("kind", problem.kind().name());
        object.put("message", problem.message());
        out.println(JSON.writeValueAsString(object));
      } else {
        out.println(
            LogVerifyCommand.label(problem) + ": " + problem.file() + ": " + problem.message());
      }
      if (problem.stopsStartUp()) {
        spec.commandLine()
            .getErr()
            .println(
                LogVerifyCommand.label(problem) + ": " + problem.file() + ": " + problem.message());
      }
    }
    return inspection.corrupted() ? LogVerifyCommand.CORRUPTED : 0;
  }
}
