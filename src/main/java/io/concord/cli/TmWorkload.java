package io.concord.cli;

import jakarta.transaction.TransactionManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceWrapper;

/**
 * The transaction-manager benchmark workload, shared by {@code concord bench tm} and the peer
 * comparison of the {@code bench} Maven profile so that every system runs exactly the same loop:
 * begin → enlist two no-op XA resources → commit (a real two-phase commit: both resources vote
 * {@code XA_OK}, so the commit decision is logged before phase 2).
 */
public final class TmWorkload {

  private static final int PREALLOCATED_BYTES = 4 * 1024 * 1024;

  private TmWorkload() {}

  /** What one run measured. */
  public record Result(
      String system,
      int threads,
      long transactions,
      double seconds,
      double txPerSecond,
      long p99Micros,
      long allocatedBytesPerTx) {

    /** One JSON object, the line format of {@code concord bench tm --json}. */
    public String toJson() {
      return String.format(
          Locale.ROOT,
          "{\"system\":\"%s\",\"threads\":%d,\"txPerSecond\":%.1f,\"p99Micros\":%d,"
              + "\"transactions\":%d,\"allocatedBytesPerTx\":%d}",
          system,
          threads,
          txPerSecond,
          p99Micros,
          transactions,
          allocatedBytesPerTx);
    }

    public String toText() {
      return String.format(
          Locale.ROOT,
          "%-22s threads=%-3d %12.1f tx/s   p99 %7d µs   %6d B/tx",
          system,
          threads,
          txPerSecond,
          p99Micros,
          allocatedBytesPerTx);
    }
  }

  /**
   * Runs the loop on {@code threads} threads: {@code warmup} unmeasured, then {@code measure}.
   *
   * @param resources makes the XA resource number {@code i} (0 or 1) of a worker thread; each
   *     worker keeps its two resources for the whole run, as a pooled connection keeps its own
   */
  public static Result run(
      String system,
      TransactionManager tm,
      int threads,
      Duration warmup,
      Duration measure,
      IntFunction<XAResource> resources)
      throws InterruptedException {
    long warmupNanos = warmup.toNanos();
    long measureNanos = measure.toNanos();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(threads);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Worker[] workers = new Worker[threads];
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Worker worker =
          new Worker(
              tm, resources.apply(0), resources.apply(1), failure, ready, go, finished, release);
      workers[i] = worker;
      Thread thread = new Thread(worker, "bench-" + system + "-" + i);
      thread.setDaemon(true);
      started.add(thread);
      thread.start();
    }
    ready.await();
    long begin = System.nanoTime();
    long measureStart = begin + warmupNanos;
    long measureEnd = measureStart + measureNanos;
    for (Worker worker : workers) {
      worker.measureStart = measureStart;
      worker.measureEnd = measureEnd;
    }
    go.countDown();
    long sleepUntilStart = measureStart - System.nanoTime();
    if (sleepUntilStart > 0) {
      Thread.sleep(sleepUntilStart / 1_000_000, (int) (sleepUntilStart % 1_000_000));
    }
    long allocatedBefore = allocatedBytes();
    // the workers wait until their allocation is read: a finished thread's counter is gone
    finished.await();
    long allocatedAfter = allocatedBytes();
    release.countDown();
    for (Thread thread : started) {
      thread.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException(
          system + " failed with " + threads + " threads: " + failure.get(), failure.get());
    }
    long transactions = 0;
    LatencyHistogram all = new LatencyHistogram();
    for (Worker worker : workers) {
      transactions += worker.measured;
      all.add(worker.histogram);
    }
    double seconds = measureNanos / 1e9;
    long allocatedPerTx =
        transactions == 0 || allocatedBefore < 0
            ? -1
            : Math.max(0, (allocatedAfter - allocatedBefore) / transactions);
    return new Result(
        system,
        threads,
        transactions,
        seconds,
        transactions / seconds,
        all.percentileMicros(0.99),
        allocatedPerTx);
  }

  /** Bytes allocated so far by every live thread (-1 when the JVM cannot tell). */
  private static long allocatedBytes() {
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
        || !mx.isThreadAllocatedMemorySupported()) {
      return -1;
    }
    long total = 0;
    for (long bytes : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
      if (bytes > 0) {
        total += bytes;
      }
    }
    return total;
  }

  private static final class Worker implements Runnable {
    private final TransactionManager tm;
    private final XAResource first;
    private final XAResource second;
    private final AtomicReference<Throwable> failure;
    private final CountDownLatch ready;
    private final CountDownLatch go;
    private final CountDownLatch finished;
    private final CountDownLatch release;
    final LatencyHistogram histogram = new LatencyHistogram();
    volatile long measureStart;
    volatile long measureEnd;
    long measured;

    Worker(
        TransactionManager tm,
        XAResource first,
        XAResource second,
        AtomicReference<Throwable> failure,
        CountDownLatch ready,
        CountDownLatch go,
        CountDownLatch finished,
        CountDownLatch release) {
      this.tm = tm;
      this.finished = finished;
      this.release = release;
      this.first = first;
      this.second = second;
      this.failure = failure;
      this.ready = ready;
      this.go = go;
    }

    @Override
    public void run() {
      try {
        ready.countDown();
        go.await();
        long start = measureStart;
        long end = measureEnd;
        while (failure.get() == null) {
          long t0 = System.nanoTime();
          if (t0 >= end) {
            break;
          }
          tm.begin();
          tm.getTransaction().enlistResource(first);
          tm.getTransaction().enlistResource(second);
          tm.commit();
          if (t0 >= start) {
            histogram.record((System.nanoTime() - t0) / 1000);
            measured++;
          }
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      } finally {
        finished.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * The rate of {@code write + fdatasync} of a small record on the disk of {@code directory}, one
   * thread: the floor a durable single-threaded commit cannot beat.
   */
  public static Result fsyncFloor(Path directory, Duration measure) throws IOException {
    Path file = Files.createTempFile(directory, "fsync-floor-", ".tmp");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer record = ByteBuffer.allocateDirect(128);
      LatencyHistogram histogram = new LatencyHistogram();
      long end = System.nanoTime() + measure.toNanos();
      long count = 0;
      long position = 0;
      long startNanos = System.nanoTime();
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        record.clear();
        channel.write(record, position);
        position = (position + 128) % PREALLOCATED_BYTES;
        channel.force(false);
        histogram.record((System.nanoTime() - t0) / 1000);
        count++;
      }
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      return new Result(
          "fsync-floor", 1, count, seconds, count / seconds, histogram.percentileMicros(0.99), 0);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A no-op XA resource that votes {@code XA_OK}: the TM's own cost, nothing else. */
  public static final class NoOpResource implements XAResourceWrapper {
    private final String name;

    public NoOpResource(String name) {
      this.name = name;
    }

    @Override
    public void start(Xid xid, int flags) {}

    @Override
    public void end(Xid xid, int flags) {}

    @Override
    public int prepare(Xid xid) {
      return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {}

    @Override
    public void rollback(Xid xid) {}

    @Override
    public void forget(Xid xid) {}

    @Override
    public Xid[] recover(int flag) {
      return new Xid[0];
    }

    /** Same RM only as another no-op resource of the same name (Atomikos matches by this). */
    @Override
    public boolean isSameRM(XAResource other) {
      return other instanceof NoOpResource noOp && noOp.name.equals(name);
    }

    @Override
    public int getTransactionTimeout() {
      return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
      return false;
    }

    @Override
    public XAResource getResource() {
      return this;
    }

    @Override
    public String getProductName() {
      return "no-op";
    }

    @Override
    public String getProductVersion() {
      return "1";
    }

    @Override
    public String getJndiName() {
      return name;
    }

    @Override
    public String toString() {
      return "NoOpResource[" + name + "]";
    }
  }

  /** Log-linear latency buckets (about 3 % resolution), one per worker thread: no allocation. */
  static final class LatencyHistogram {
    private static final int SUB_BUCKETS = 64;
    private final long[] counts = new long[64 * SUB_BUCKETS];
    private long total;

    void record(long micros) {
      long v = Math.max(0, micros);
      int exponent = Math.max(0, 63 - Long.numberOfLeadingZeros(v) - 5);
      int index = exponent * SUB_BUCKETS + (int) (v >>> exponent);
      counts[Math.min(index, counts.length - 1)]++;
      total++;
    }

    void add(LatencyHistogram other) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
      total += other.total;
    }

    long percentileMicros(double fraction) {
      if (total == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(total * fraction);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
          int exponent = i / SUB_BUCKETS;
          long mantissa = i % SUB_BUCKETS;
          return mantissa << exponent;
        }
      }
      return Long.MAX_VALUE;
    }
  }
}
