package io.concord.lock;

import io.concord.lock.MutexHistory.Kind;
import io.concord.lock.MutexHistory.Op;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;

/**
 * A child JVM for {@link MultiProcessLockTest}: {@code count} increments a counter row under the
 * lock and prints one {@code OP} line per acquire and release (wall-clock microseconds, shared by
 * every process of the machine); {@code hold} acquires, prints {@code HELD <token>} and waits to be
 * killed.
 */
public final class LockWorker {
  private LockWorker() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String url = args[1];
    String user = args[2];
    String password = args[3];
    String name = args[4];
    int process = Integer.parseInt(args[5]);
    PrintStream out = System.out;
    try (LockService locks =
        LockService.builder()
            .namespace("multi")
            .database(
                LockDatabase.builder("main")
                    .jdbcUrl(url)
                    .user(user)
                    .password(password)
                    .maxConnections(2)
                    .pollInterval(Duration.ofMillis(1), Duration.ofMillis(20))
                    .build())
            .build()) {
      if (mode.equals("hold")) {
        LockHandle handle = locks.acquire(name, Duration.ofSeconds(60));
        out.println("HELD " + handle.fencingToken());
        out.flush();
        Thread.sleep(Duration.ofMinutes(5).toMillis());
        return;
      }
      String table = args[6];
      int iterations = Integer.parseInt(args[7]);
      try (Connection c = DriverManager.getConnection(url, user, password)) {
        for (int i = 0; i < iterations; i++) {
          long invoke = micros();
          LockHandle handle = locks.acquire(name, Duration.ofSeconds(120));
          long acquired = micros();
          long value = LockContractTest.readCounter(c, table);
          Thread.yield();
          LockContractTest.writeCounter(c, table, value + 1);
          long releaseInvoke = micros();
          handle.close();
          long released = micros();
          out.println(
              new Op(process, Kind.ACQUIRE, invoke, acquired, handle.fencingToken()).format());
          out.println(new Op(process, Kind.RELEASE, releaseInvoke, released, 0).format());
        }
      }
      out.println("DONE");
      out.flush();
    }
  }

  private static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }
}
