package io.concord.transactional;

import jakarta.transaction.NotSupportedException;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.util.concurrent.TimeUnit;
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
 * The interceptor's overhead on the hot path: a REQUIRED method called while a transaction is
 * already on the thread (it joins it), through a JDK proxy and through a generated subclass,
 * against a direct call of the same method on a plain instance. Overhead = proxied time − direct
 * time; target under 200 ns. The unannotated method measures what a proxy costs when nothing
 * applies. Run as documented in docs/transactional.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TransactionalOverheadBenchmark {

  public interface Counter {
    long required(long value);

    long unannotated(long value);
  }

  public static class CounterService implements Counter {
    @Override
    @Transactional(TxType.REQUIRED)
    public long required(long value) {
      return value + 1;
    }

    @Override
    public long unannotated(long value) {
      return value + 1;
    }
  }

  @Param({"concord", "narayana"})
  public String transactionManager;

  private TransactionManager manager;
  private Counter direct;
  private Counter jdkProxy;
  private Counter subclass;
  private long value;

  @Setup(Level.Trial)
  public void createServices() {
    TransactionManagerUnderTest tm =
        TransactionManagerUnderTest.all().stream()
            .filter(candidate -> candidate.toString().equalsIgnoreCase(transactionManager))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("unknown TM " + transactionManager));
    manager = tm.transactionManager();
    TransactionalServices services = TransactionalServices.using(manager);
    direct = new CounterService();
    jdkProxy = services.proxy(Counter.class, new CounterService());
    subclass = services.instantiate(CounterService.class);
  }

  /** A fresh transaction per iteration, begun on the benchmark thread, so calls join it. */
  @Setup(Level.Iteration)
  public void beginTransaction() throws NotSupportedException, SystemException {
    manager.begin();
  }

  @TearDown(Level.Iteration)
  public void rollBackTransaction() throws SystemException {
    manager.rollback();
  }

  @Benchmark
  public long directCall() {
    return value = direct.required(value);
  }

  @Benchmark
  public long jdkProxyRequiredJoining() {
    return value = jdkProxy.required(value);
  }

  @Benchmark
  public long subclassRequiredJoining() {
    return value = subclass.required(value);
  }

  @Benchmark
  public long jdkProxyUnannotated() {
    return value = jdkProxy.unannotated(value);
  }

  @Benchmark
  public long subclassUnannotated() {
    return value = subclass.unannotated(value);
  }
}
