package io.concord.tm;

import io.concord.cli.TmWorkload;
import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAResource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The workload of {@code concord bench tm} under JMH, for its allocation profile ({@code -prof gc},
 * {@code gc.alloc.rate.norm} = bytes allocated per transaction): begin, enlist two no-op XA
 * resources, two-phase commit with the decision written to the log. {@code forceMode} FDATASYNC is
 * the production path; NONE takes the disk out to show the TM's CPU cost alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TwoPhaseCommitBenchmark {

  @Param({"FDATASYNC", "NONE"})
  public ForceMode forceMode;

  private Path directory;
  private TransactionLog log;
  private ConcordTransactionManager tm;
  private final XAResource first = new TmWorkload.NoOpResource("bench-a");
  private final XAResource second = new TmWorkload.NoOpResource("bench-b");

  @Setup(Level.Trial)
  public void open() throws Exception {
    directory = Files.createTempDirectory("concord-2pc-bench-");
    log =
        TransactionLog.open(
            LogOptions.builder(directory).nodeId("bench").forceMode(forceMode).build());
    tm = ConcordTransactionManager.builder(log).nodeId("bench").build();
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    log.close();
    TestDatabase.deleteRecursively(directory);
  }

  @Benchmark
  public void twoPhaseCommit() throws Exception {
    tm.begin();
    tm.getTransaction().enlistResource(first);
    tm.getTransaction().enlistResource(second);
    tm.commit();
  }
}
