package io.concord.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code concord bench log}: the disk's fsync floor and the log's append+force throughput and
 * latency, per thread count, in one run on the same disk.
 */
@Command(
    name = "log",
    mixinStandardHelpOptions = true,
    description = {
      "Measure, per thread count, the raw fsync floor (one 4 KiB write + fdatasync per operation"
          + " on a preallocated file) and the transaction log's appendCommit (forced, group"
          + " commit) followed by appendEnd, as a transaction manager uses it.",
      "Use a directory on the disk the log will live on."
    })
final class LogBenchCommand implements java.util.concurrent.Callable<Integer> {

  private static final int FLOOR_BLOCK = 4096;
  private static final long FLOOR_FILE_BYTES = 64L * 1024 * 1024;

  @Option(
      names = "--dir",
      required = true,
      description = "Directory on the disk to measure (scratch files are created and deleted).")
  Path directory;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,4,16,64",
      description = "Thread counts to measure (default: ${DEFAULT-VALUE}).")
  int[] threads;

  @Option(
      names = "--seconds",
      defaultValue = "5",
      description = "Measured seconds per system and thread count (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  @Option(
      names = "--force-mode",
      defaultValue = "FDATASYNC",
      description =
          "The log's force mode (default: ${DEFAULT-VALUE}). NONE is not durable; it shows what"
              + " the log costs without the disk.")
  ForceMode forceMode;

  @Option(
      names = "--spin-wait",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Committers keep their core while a short force is in flight (the log's spinWait"
              + " option, default on); --no-spin-wait makes them park, as where CPU is capped.")
  boolean spinWait;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** One measured configuration. */
  record Result(String system, int threads, double opsPerSecond, long p50Micros, long p99Micros) {}

  /** One operation of a benchmark thread; {@code thread} and {@code sequence} make it unique. */
  @FunctionalInterface
  interface Operation {
    void run(int thread, long sequence) throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (seconds <= 0 || threads.length == 0 || Arrays.stream(threads).anyMatch(t -> t < 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--seconds must be > 0 and every --threads value >= 1");
    }
    Files.createDirectories(directory);
    if (!json) {
      out.printf("%-12s %8s %14s %10s %10s%n", "system", "threads", "ops/s", "p50 µs", "p99 µs");
    }
    for (int count : threads) {
      print(out, measureFloor(count));
      print(out, measureLog(count));
    }
    return 0;
  }

  private void print(PrintWriter out, Result result) throws IOException {
    if (json) {
      Map<String, Object> object = new LinkedHashMap<>();
      object.put("system", result.system());
      object.put("threads", result.threads());
      object.put("opsPerSecond", Math.round(result.opsPerSecond() * 10) / 10.0);
      object.put("p50Micros", result.p50Micros());
      object.put("p99Micros", result.p99Micros());
      out.println(new ObjectMapper().writeValueAsString(object));
    } else {
      out.printf(
          "%-12s %8d %14.1f %10d %10d%n",
          result.system(),
          result.threads(),
          result.opsPerSecond(),
          result.p50Micros(),
          result.p99Micros());
    }
    out.flush();
  }

  private Result measureFloor(int threadCount) throws Exception {
    Path file = Files.createTempFile(directory, "fsync-floor-", ".bin");
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
      for (long at = 0; at < FLOOR_FILE_BYTES; at += zeros.capacity()) {
        zeros.clear();
        channel.write(zeros, at);
      }
      channel.force(true);
      long slots = FLOOR_FILE_BYTES / FLOOR_BLOCK;
      AtomicLong next = new AtomicLong();
      ThreadLocal<ByteBuffer> blocks =
          ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(FLOOR_BLOCK));
      return run(
          "fsync-floor",
          threadCount,
          (thread, sequence) -> {
            ByteBuffer block = blocks.get();
            block.clear();
            block.putLong(0, sequence);
            long at = (next.getAndIncrement() % slots) * FLOOR_BLOCK;
            while (block.hasRemaining()) {
              channel.write(block, at + block.position());
            }
            channel.force(false);
          });
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private Result measureLog(int threadCount) throws Exception {
    Path logDirectory = Files.createTempDirectory(directory, "concord-log-bench-");
    try {
      try (TransactionLog log =
          TransactionLog.open(
              LogOptions.builder(logDirectory)
                  .nodeId("bench")
                  .forceMode(forceMode)
                  .spinWait(spinWait)
                  .build())) {
        List<BranchRecord> branches =
            List.of(
                new BranchRecord("jdbc/orders", new byte[] {0, 0, 0, 1}),
                new BranchRecord("jdbc/stock", new byte[] {0, 0, 0, 2}));
        return run(
            "concord-log",
            threadCount,
            (thread, sequence) -> {
              byte[] gtrid = gtrid(thread, sequence);
              log.appendCommit(new CommitRecord(gtrid, branches, System.currentTimeMillis()));
              log.appendEnd(gtrid);
            });
      }
    } finally {
      deleteRecursively(logDirectory);
    }
  }

  private static byte[] gtrid(int thread, long sequence) {
    return ByteBuffer.allocate(12).putInt(thread).putLong(sequence).array();
  }

  /** Runs the operation on {@code threadCount} threads: a short warm-up, then the measurement. */
  private Result run(String system, int threadCount, Operation operation) throws Exception {
    long warmupNanos = (long) (Math.min(1.0, seconds / 5) * 1e9);
    long measureNanos = (long) (seconds * 1e9);
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(threadCount);
    List<long[]> latencies = new ArrayList<>();
    long[] counts = new long[threadCount];
    List<Throwable> failures = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threadCount; t++) {
      int index = t;
      long[][] samples = {new long[1024]};
      latencies.add(null);
      Thread worker =
          new Thread(
              () -> {
                ready.countDown();
                long sequence = 0;
                int recorded = 0;
                try {
                  while (!stop.get()) {
                    long begin = System.nanoTime();
                    operation.run(index, sequence++);
                    long elapsed = System.nanoTime() - begin;
                    if (measuring.get()) {
                      if (recorded == samples[0].length) {
                        samples[0] = Arrays.copyOf(samples[0], recorded * 2);
                      }
                      samples[0][recorded++] = elapsed;
                    }
                  }
                } catch (Throwable e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
                counts[index] = recorded;
                synchronized (latencies) {
                  latencies.set(index, Arrays.copyOf(samples[0], recorded));
                }
              },
              "bench-" + system + "-" + t);
      workers.add(worker);
      worker.start();
    }
    ready.await();
    Thread.sleep(warmupNanos / 1_000_000);
    measuring.set(true);
    long begin = System.nanoTime();
    Thread.sleep(measureNanos / 1_000_000);
    measuring.set(false);
    long elapsed = System.nanoTime() - begin;
    stop.set(true);
    for (Thread worker : workers) {
      worker.join();
    }
    if (!failures.isEmpty()) {
      Throwable first = failures.get(0);
      throw new IllegalStateException(system + " benchmark failed: " + first, first);
    }
    long total = Arrays.stream(counts).sum();
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    return new Result(
        system,
        threadCount,
        total / (elapsed / 1e9),
        percentileMicros(all, 0.50),
        percentileMicros(all, 0.99));
  }

  private static long percentileMicros(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return Math.round(sorted[Math.max(0, index)] / 1000.0);
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              file -> {
                try {
                  Files.deleteIfExists(file);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
