package io.concord.recovery.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.CrashTest;
import io.concord.testing.DatabaseTest;
import org.junit.jupiter.api.Test;

/**
 * Proves the recovery benchmark works on a small scale (300 transactions by default); with {@code
 * -Dconcord.bench.transactions=10000} it is the benchmark itself and holds recovery to its target
 * of 30 s for 10,000 in-doubt transactions.
 */
@CrashTest
@DatabaseTest
class RecoveryBenchmarkTest {

  @Test
  void recoversEveryInDoubtTransactionOfTheBenchmark() throws Exception {
    int transactions = Integer.getInteger("concord.bench.transactions", 300);
    int postgres = Math.min(100, Integer.getInteger("concord.bench.postgres", 100));
    RecoveryBenchmark.Result result =
        RecoveryBenchmark.run(
            transactions,
            Math.min(postgres, transactions),
            8,
            Integer.getInteger("concord.bench.connections", 0),
            Integer.getInteger("concord.bench.branches", 2));
    System.out.print(result.table());
    assertThat(result.problems()).isEmpty();
    assertThat(result.committed()).isEqualTo(result.branchesPerTransaction() * transactions);
    assertThat(result.ended()).isEqualTo(transactions);
    if (transactions >= 10_000) {
      assertThat(result.recoveryMillis())
          .as("recovery of %d in-doubt transactions", transactions)
          .isLessThanOrEqualTo(30_000);
    }
  }
}
