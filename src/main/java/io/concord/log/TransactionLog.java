package io.concord.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of commit decisions. Thread-safe. One process per directory.
 *
 * <p>Durability: {@link #appendCommit}, {@link #appendHeuristic} and {@link #appendForget} return
 * only after the record is forced to disk (fdatasync), sharing one force with every append that was
 * queued at the same time (group commit). {@link #appendEnd} returns at once; the END rides along
 * with the next forced batch (or is written within 50 ms).
 *
 * <p>Interrupts: every channel operation happens on the log's own writer thread, so an interrupted
 * caller can never close the log's files. An appender that is interrupted while it waits keeps
 * waiting for its batch's force (milliseconds), then returns its normal outcome with its interrupt
 * status set. An append that returned normally is durable, interrupted or not.
 *
 * <p>Failure: if a write or force fails, this instance is dead: that append and every later one
 * throws {@link LogFailedException}. Reopen the log to continue; what was forced is still there.
 */
public final class TransactionLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TransactionLog.class);

  private final LogOptions options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final LiveState state;
  private final long incarnation;
  private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
  private final LogWriter writer;
  private boolean closed;

  private TransactionLog(
      LogOptions options,
      FileChannel lockChannel,
      FileLock lock,
      LiveState state,
      long incarnation,
      LogWriter writer) {
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.state = state;
    this.incarnation = incarnation;
    this.writer = writer;
  }

  /**
   * Opens (creating if absent) the log: takes the directory's file lock, reads every segment,
   * truncates a torn tail of the newest one (WARN), throws {@link LogCorruptedException} naming
   * file and offset for damage anywhere else, {@link LogLockedException} when another process holds
   * it.
   */
  public static TransactionLog open(LogOptions options) throws LogException {
    Objects.requireNonNull(options, "options is null");
    Path directory = options.directory();
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new LogException("Cannot create transaction log directory " + directory + ": " + e, e);
    }
    FileChannel lockChannel = null;
    FileLock lock = null;
    try {
      lockChannel = openLockChannel(directory);
      lock = acquire(lockChannel, directory);
      LogReading reading = LogReading.read(options);
      long incarnation = Math.max(reading.state().incarnation() + 1, System.currentTimeMillis());
      LogWriter writer = new LogWriter(options, reading.state(), reading.start());
      TransactionLog log =
          new TransactionLog(options, lockChannel, lock, reading.state(), incarnation, writer);
      writer.start();
      try {
        log.appendForced(new LogEntry.Incarnation(incarnation));
      } catch (LogException e) {
        log.close();
        throw e;
      }
      LOG.info(
          "Opened transaction log {} (node {}, incarnation {}, {} live commits, {} heuristics)",
          directory,
          options.nodeId(),
          incarnation,
          reading.state().commits().size(),
          reading.state().heuristics().size());
      return log;
    } catch (LogException | RuntimeException | Error e) {
      if (lock != null && lock.isValid()) {
        release(lockChannel, lock);
      } else {
        closeQuietly(lockChannel);
      }
      throw e;
    }
  }

  private static FileChannel openLockChannel(Path directory) throws LogException {
    Path file = directory.resolve(SegmentFiles.LOCK_FILE);
    try {
      return FileChannel.open(
          file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new LogException("Cannot open lock file " + file + ": " + e, e);
    }
  }

  private static FileLock acquire(FileChannel channel, Path directory) throws LogException {
    Path file = directory.resolve(SegmentFiles.LOCK_FILE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      throw new LogLockedException(
          "Transaction log " + directory + " is already open in this JVM (lock file " + file + ")",
          e);
    } catch (IOException e) {
      throw new LogException("Cannot lock " + file + ": " + e, e);
    }
    if (lock == null) {
      throw new LogLockedException(
          "Transaction log "
              + directory
              + " is locked by another process ("
              + holderOf(channel)
              + "; lock file "
              + file
              + "). One process per log directory.");
    }
    try {
      byte[] owner =
          ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(owner), 0);
    } catch (IOException e) {
      LOG.debug("Could not record the owner in {}: {}", file, e.toString());
    }
    return lock;
  }

  private static String holderOf(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(64);
      int read = channel.read(buffer, 0);
      String text =
          read <= 0 ? "" : new String(buffer.array(), 0, read, StandardCharsets.UTF_8).trim();
      return text.isEmpty() ? "holder unknown" : "held by " + text;
    } catch (IOException e) {
      return "holder unknown";
    }
  }

  /**
   * A number that is larger on every open of this directory (durably recorded before open returns);
   * the TM puts it into every gtrid so Xids never repeat across restarts. It is at least the
   * wall-clock time in milliseconds at open, so it keeps growing even if the directory is lost.
   */
  public long incarnation() {
    return incarnation;
  }

  /** Appends COMMIT and returns only once it is forced to disk (group commit). */
  public void appendCommit(CommitRecord record) throws LogException {
    appendForced(new LogEntry.Commit(Objects.requireNonNull(record, "record is null")));
  }

  /**
   * Appends END for a gtrid whose branches are all confirmed; not forced, returns at once. The
   * COMMIT leaves {@link #liveCommits()} once the END is written (at the latest 50 ms later).
   */
  public void appendEnd(byte[] gtrid) throws LogException {
    LogEntry entry = new LogEntry.End(new GtridKey(RecordLimits.checkGtrid(gtrid)));
    enqueue(new LogWriter.Pending(entry, RecordCodec.encodeFrame(entry), false));
  }

  /** Appends HEURISTIC (forced). */
  public void appendHeuristic(HeuristicRecord record) throws LogException {
    appendForced(new LogEntry.Heuristic(Objects.requireNonNull(record, "record is null")));
  }

  /** Appends FORGET for a heuristic an operator has resolved (forced). */
  public void appendForget(byte[] gtrid) throws LogException {
    appendForced(new LogEntry.Forget(new GtridKey(RecordLimits.checkGtrid(gtrid))));
  }

  /**
   * COMMIT records without an END: the recovery manager's work list (what was read at open plus
   * what was appended since). A defensive copy.
   */
  public List<CommitRecord> liveCommits() {
    return state.commits();
  }

  /** HEURISTIC records not yet forgotten. A defensive copy. */
  public List<HeuristicRecord> heuristics() {
    return state.heuristics();
  }

  public Path directory() {
    return options.directory();
  }

  /**
   * Bytes of the segment files, preallocated size included, and of the spare segment being prepared
   * for the next roll.
   */
  public long sizeOnDiskBytes() {
    long total = 0;
    try {
      List<Path> files = SegmentFiles.list(options.directory());
      files.addAll(SegmentFiles.listTemporary(options.directory()));
      for (Path file : files) {
        try {
          total += Files.size(file);
        } catch (NoSuchFileException e) {
          // deleted by the writer (checkpoint) while we counted: no longer on disk
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot list transaction log directory " + options.directory(), e);
    }
    return total;
  }

  /** Writes what is queued, stops the writer and releases the directory. Idempotent. */
  @Override
  public void close() {
    closing.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      closing.writeLock().unlock();
    }
    writer.shutdown();
    release(lockChannel, lock);
    LOG.info("Closed transaction log {}", options.directory());
  }

  @Override
  public String toString() {
    return "TransactionLog[" + options.directory() + ", node " + options.nodeId() + "]";
  }

  /** How long an appender of a forced record would spin now before parking (for tests). */
  long appenderSpinNanos() {
    return writer.spinNanos();
  }

  /** How long an appender of a forced record would yield now before parking (for tests). */
  long appenderYieldNanos() {
    return writer.yieldNanos();
  }

  /** Appends a prepared record as {@code appendCommit} does, bypassing the encoder (for tests). */
  void appendForTests(LogWriter.Pending pending) throws LogException {
    enqueue(pending);
    pending.awaitWritten(0, 0, stalled -> {});
  }

  /** Reports a yielding wait as a committer would (for tests). */
  void reportYield(boolean stalled) {
    writer.yieldFeedback.yielded(stalled);
  }

  private void appendForced(LogEntry entry) throws LogException {
    LogWriter.Pending pending = new LogWriter.Pending(entry, RecordCodec.encodeFrame(entry), true);
    enqueue(pending);
    pending.awaitWritten(writer.spinNanos(), writer.yieldNanos(), writer.yieldFeedback);
  }

  private void enqueue(LogWriter.Pending pending) throws LogException {
    closing.readLock().lock();
    try {
      if (closed) {
        throw new LogException("Transaction log " + directory() + " is closed");
      }
      LogFailedException failure = writer.failure();
      if (failure != null) {
        throw new LogFailedException(failure.getMessage(), failure.getCause());
      }
      writer.enqueue(pending);
    } finally {
      closing.readLock().unlock();
    }
  }

  private static void release(FileChannel channel, FileLock lock) {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      LOG.warn("Releasing the log lock failed: {}", e.toString());
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("Closing the log lock file failed: {}", e.toString());
      }
    }
  }
}
