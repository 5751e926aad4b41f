package io.concord.recovery.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseTest;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The long crash run, only on request: {@code mvn -o test -Dtest=CrashTortureTest
 * -Dconcord.crash.torture=1000} runs 1,000 random kills (plus a named crash point every 10th run,
 * {@code -Dconcord.crash.namedEvery=N} to change, 0 for none) and prints a summary table to the
 * console. Fails on any violation or leftover; H2-only anomalies are counted in the table.
 */
@CrashTest
@DatabaseTest
@Tag("slow")
class CrashTortureTest {

  @Test
  void randomKills() throws Exception {
    int runs = Integer.getInteger("concord.crash.torture", 0);
    Assumptions.assumeTrue(
        runs > 0, "the long crash run; start it with -Dconcord.crash.torture=1000");
    PrintStream console =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    CrashTorture.Summary summary =
        CrashTorture.run(runs, Integer.getInteger("concord.crash.namedEvery", 10), console);
    String table = summary.table();
    System.out.println(table);
    console.println(table);
    assertThat(summary.violations()).as(table).isZero();
  }
}
