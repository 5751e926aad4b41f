package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.lock.MutexHistory.Op;
import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Locks across real processes: child JVMs started with this test's class path contend for one lock,
 * and a holder JVM is killed with SIGKILL.
 */
@DatabaseTest
@CrashTest
class MultiProcessLockTest {

  private static Process start(TestDatabase db, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-Xmx128m");
    command.add(LockWorker.class.getName());
    command.add(args[0]);
    command.add(db.jdbcUrl());
    command.add(db.user());
    command.add(db.password());
    for (int i = 1; i < args.length; i++) {
      command.add(args[i]);
    }
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static List<String> lines(Process process) throws Exception {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
      }
    }
    return lines;
  }

  @ParameterizedTest
  @EnumSource(
      value = DatabaseKind.class,
      names = {"POSTGRES", "MARIADB"})
  void childJvmsContendForOneLockWithoutLosingAnUpdate(DatabaseKind kind) throws Exception {
    int children = 3;
    int iterations = 20;
    try (TestDatabase db = TestDatabase.create(kind)) {
      db.execute("create table counter (id int primary key, v bigint not null)");
      db.execute("insert into counter values (1, 0)");
      List<Process> processes = new ArrayList<>();
      for (int i = 1; i <= children; i++) {
        processes.add(
            start(
                db,
                "count",
                "shared-counter",
                String.valueOf(i),
                "counter",
                String.valueOf(iterations)));
      }
      List<Op> history = new ArrayList<>();
      for (Process process : processes) {
        List<String> out = lines(process);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("child output: %s", out).isZero();
        assertThat(out).contains("DONE");
        out.stream().filter(l -> l.startsWith("OP ")).map(Op::parse).forEach(history::add);
      }
      assertThat(db.queryLong("select v from counter where id = 1"))
          .isEqualTo(children * iterations);
      assertThat(history).hasSize(2 * children * iterations);
      assertThat(MutexHistoryChecker.check(history)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DatabaseKind.class,
      names = {"POSTGRES", "MARIADB"})
  void killedHolderJvmFreesTheLockAndTheNextHolderGetsAHigherToken(DatabaseKind kind)
      throws Exception {
    try (TestDatabase db = TestDatabase.create(kind)) {
      Process holder = start(db, "hold", "crash-lock", "1");
      long token;
      try {
        BufferedReader reader =
            new BufferedReader(
                new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line = reader.readLine();
        assertThat(line).startsWith("HELD ");
        token = Long.parseLong(line.substring(5).trim());
        try (LockService locks = service(db)) {
          assertThat(locks.tryAcquire("crash-lock")).isEmpty();
        }
      } finally {
        holder.destroyForcibly();
        holder.waitFor(30, TimeUnit.SECONDS);
      }
      try (LockService locks = service(db)) {
        long start = System.nanoTime();
        try (LockHandle handle = locks.acquire("crash-lock", Duration.ofSeconds(30))) {
          assertThat(handle.fencingToken()).isGreaterThan(token);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      }
    }
  }

  private static LockService service(TestDatabase db) {
    return LockService.builder()
        .namespace("multi")
        .database(
            LockDatabase.builder("main")
                .jdbcUrl(db.jdbcUrl())
                .user(db.user())
                .password(db.password())
                .build())
        .build();
  }
}
