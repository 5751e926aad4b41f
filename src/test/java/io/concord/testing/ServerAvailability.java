package io.concord.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides what happens when a database server is unreachable: in CI ({@code CI=true}) the test
 * fails, so a run can never pass by skipping its database tests; on a developer's machine it is
 * skipped, with one loud line per server that says how to start it.
 */
final class ServerAvailability {
  static final String HOW_TO_START =
      "run `bash scripts/test-databases.sh` to install and start them";

  private static final Map<DatabaseKind, String> PROBLEMS = new ConcurrentHashMap<>();

  private ServerAvailability() {}

  static void require(DatabaseKind kind) {
    if (!kind.isServer()) {
      return;
    }
    String problem = PROBLEMS.computeIfAbsent(kind, ServerAvailability::probe);
    if (problem.isEmpty()) {
      return;
    }
    String message = kind + " is not reachable (" + problem + "); " + HOW_TO_START;
    if (isCi()) {
      Assertions.fail("CI=true and " + message);
    }
    Assumptions.abort(message);
  }

  static boolean isCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * Writes to the process's real stderr: Surefire redirects System.err of tests to report files,
   * where a developer would never see that a whole database's tests were skipped.
   */
  private static void loud(String line) {
    System.err.println(line);
    try {
      PrintStream console =
          new PrintStream(new FileOutputStream(FileDescriptor.err), true, "UTF-8");
      console.println(line);
    } catch (IOException e) {
      // the line is already in the test's output file
    }
  }

  private static String probe(DatabaseKind kind) {
    ServerSettings server = ServerSettings.of(kind);
    try (Connection ignored =
        DriverManager.getConnection(server.adminUrl(), server.user(), server.password())) {
      return "";
    } catch (SQLException e) {
      String problem = e.getMessage();
      if (!isCi()) {
        loud(
            "*** SKIPPING "
                + kind
                + " TESTS: "
                + server.adminUrl()
                + " is not reachable: "
                + problem
                + " -- "
                + HOW_TO_START
                + " ***");
      }
      return problem == null ? e.getClass().getName() : problem;
    }
  }
}
