package io.concord.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-fills the next segment file in the background, so that a segment roll does not stall the
 * writer for the time it takes to write and force megabytes of zeros.
 *
 * <p>The spare is {@code wal-<next>.log.tmp}, zero-filled to the segment size and forced with its
 * metadata. At the roll the writer only writes the header and snapshot into it, forces that,
 * renames it into place and forces the directory. Like the writer, this thread is private and never
 * interrupted. Only the writer thread calls {@link #prepare} and {@link #take}.
 */
final class SegmentPreparer {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentPreparer.class);
  private static final int ZERO_CHUNK = 256 * 1024;

  /** A zero-filled spare of {@code size} bytes for segment {@code sequence}. */
  record Spare(long sequence, Path file, long size) {}

  private final LogOptions options;
  private final ExecutorService executor;
  private Future<Spare> pending;
  private long pendingSequence = -1;

  SegmentPreparer(LogOptions options) {
    this.options = options;
    this.executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "concord-log-preparer[" + options.directory() + "]");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Starts preparing a spare of {@code size} bytes for {@code sequence} (replacing any other). */
  void prepare(long sequence, long size) {
    discard(take(-1));
    pendingSequence = sequence;
    pending = executor.submit(() -> create(sequence, size));
  }

  /**
   * The spare for {@code sequence} once it is ready (waits for it), or null when there is none or
   * preparing it failed (the writer then creates the segment itself and sees the error, if any).
   */
  Spare take(long sequence) {
    Future<Spare> future = pending;
    long preparedFor = pendingSequence;
    pending = null;
    pendingSequence = -1;
    if (future == null) {
      return null;
    }
    Spare spare = await(future);
    if (spare != null && preparedFor != sequence) {
      discard(spare);
      return null;
    }
    return spare;
  }

  /** Waits for the task and deletes an unused spare. */
  void close() {
    discard(take(-1));
    executor.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private Spare await(Future<Spare> future) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          LOG.warn(
              "Preparing the next segment of {} in the background failed: {}",
              options.directory(),
              String.valueOf(e.getCause()));
          return null;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void discard(Spare spare) {
    if (spare != null) {
      try {
        Files.deleteIfExists(spare.file());
      } catch (IOException e) {
        LOG.warn("Could not delete unused spare segment {}: {}", spare.file(), e.toString());
      }
    }
  }

  private Spare create(long sequence, long size) throws IOException {
    Path file = SegmentFiles.temporary(options.directory(), sequence);
    Files.deleteIfExists(file);
    try (FileChannel channel =
        options
            .channelOpener()
            .open(
                file,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
      zeroFill(channel, 0, size);
      if (options.forceMode() == ForceMode.FDATASYNC) {
        channel.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return new Spare(sequence, file, size);
  }

  /** Writes zeros over {@code [from, to)} of {@code channel}. */
  static void zeroFill(FileChannel channel, long from, long to) throws IOException {
    ByteBuffer zeros =
        ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, Math.max(1, to - from)));
    for (long at = from; at < to; at += zeros.capacity()) {
      zeros.clear();
      zeros.limit((int) Math.min(zeros.capacity(), to - at));
      long offset = at;
      while (zeros.hasRemaining()) {
        offset += channel.write(zeros, offset);
      }
    }
  }
}
