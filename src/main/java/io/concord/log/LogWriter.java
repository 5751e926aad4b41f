package io.concord.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches the segment channels, and the group commit.
 *
 * <p>Why a dedicated thread: a {@link FileChannel} is closed for good when a thread blocked in its
 * I/O is interrupted (Bitronix bug #45). Application threads get interrupted (timeouts, executors
 * shutting down), this thread never is: nothing outside this class holds it.
 *
 * <p>Group commit: appenders put encoded frames on a bounded queue (blocking when it is full) and
 * wait for their record. The writer takes everything queued (up to {@link #MAX_BATCH_BYTES}),
 * writes it with one positional write behind one BATCH frame, forces once, applies the records to
 * the live state and wakes every appender of the batch. While it forces, the next batch queues up,
 * so N concurrent appenders share one fdatasync; one appender alone pays exactly one.
 *
 * <p>END records need no force. They are held back (at most 50 ms) and ride along with the next
 * forced batch; only when nothing forced comes along are they written and forced on their own.
 * Every batch is forced before the next is written, which is what lets the reader recognise a torn
 * tail: only the last batch can be incomplete after a crash.
 *
 * <p>Segment roll (the checkpoint): when a batch does not fit the preallocated segment, the next
 * one, zero-filled in the background by the {@link SegmentPreparer} under a temporary name once the
 * active segment is half full, gets the header, a snapshot of the live records and a CHECKPOINT
 * frame, is forced, renamed into place and the directory forced; then every older segment is
 * deleted. Finished transactions are not copied, so disk use stays bounded.
 */
final class LogWriter {

  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

  /** Frames of one write, at most (a single larger record still goes alone). */
  static final int MAX_BATCH_BYTES = 1 << 20;

  /** How long the writer spins for more work after a batch before it parks. */
  static final long SPIN_NANOS = 50_000;

  /**
   * Upper bound on how long a forced batch waits for more committers (group commit gathering). It
   * is also capped at a fraction of the last force's duration ({@link BatchGathering}), so
   * gathering never costs more than a fraction of what it saves.
   */
  static final long MAX_GATHER_NANOS = 250_000;

  /**
   * The longest a lone committer spins for its force before it parks. A park and the unpark after
   * the force cost a lone committer some 10 µs of wake-up latency, a fifth of a 50 µs fdatasync
   * (measured +24% transactions per second for one thread on such a disk); on a slower disk that
   * latency is noise and spinning would only burn a core, so nobody spins when the last force took
   * longer than this.
   */
  static final long MAX_SPIN_NANOS = 200_000;

  /**
   * A committer whose force is short yields its core ({@link Thread#yield()} in a loop) for up to
   * this many last-force durations before it parks: long enough to cover the force in flight and
   * its own. Parking is what costs at high concurrency: with the committers parked, the cores go
   * idle during every force, and each wake-up is a futex call plus, on an idle core, an
   * inter-processor interrupt (on a virtual machine, an exit to the hypervisor). Yielding keeps the
   * cores busy with whoever has work and notices the outcome without being woken: measured on 2
   * cores with a 100–135 µs fdatasync, 64 committers went from 117,000–136,000 to 206,000–266,000
   * commits per second, and each force got faster (the writer no longer waits for an idle core to
   * wake up). A yielding thread gives its core to any runnable thread, but it stays runnable
   * itself: it counts against CPU quotas and the load average (hence {@link
   * LogOptions#spinWait()}).
   */
  static final int YIELD_FORCES = 3;

  /**
   * Committers yield only when the last force took at most this long. With a slower disk the
   * wake-up latency is noise next to the force, and yielding for milliseconds would only burn CPU.
   */
  static final long MAX_YIELD_FORCE_NANOS = 250_000;

  /**
   * A yield that returns later than this gave the core to a thread that does not yield back (a
   * CPU-bound thread, of this process or another: the scheduler then lets it run for its time
   * slice, milliseconds, before the yielder runs again).
   */
  static final long YIELD_STALL_NANOS = 1_000_000;

  /**
   * Yielding stops for {@link #YIELD_PAUSE_NANOS} when more than this share of the yielding waits
   * of a {@link #YIELD_WINDOW_NANOS} window stalled. With CPU-bound threads on the machine a
   * yielding committer loses a time slice per yield while a parked one is woken ahead of them:
   * measured on 2 cores next to two CPU-bound threads of another process, 64 committers made 10,600
   * commits per second yielding and 23,000–24,700 parking. There 87–98 % of the yielding waits of a
   * window stalled; with the committers alone 12–26 %, up to 67 % in a window while the JIT
   * compilers were busy at start-up.
   */
  static final double MAX_STALLED_SHARE = 0.75;

  /** How long the stalled share is measured over (by the writer, between batches). */
  static final long YIELD_WINDOW_NANOS = 100_000_000;

  /** How long nobody yields after a window with too many stalls; then yielding is tried again. */
  static final long YIELD_PAUSE_NANOS = 1_000_000_000;

  /** How many recent forced batches the expected batch size is taken from. */
  static final int GATHER_HISTORY = 8;

  /** Buffered END bytes that are written without waiting any longer. */
  static final int LAZY_FLUSH_BYTES = 64 * 1024;

  /**
   * One record on its way to disk. An appender that needs the force waits on it with {@link
   * #awaitWritten(long, long)}; END records are queued with {@code awaited == false} and nobody
   * waits.
   *
   * <p>Wake-up is a tree: the writer marks every waiter of a batch done and unparks only the first;
   * each waiter that sees its outcome unparks two more (children {@code 2i+1, 2i+2}). The writer
   * thus pays one unpark per batch instead of one per waiter, and goes back to writing.
   */
  static final class Pending {
    private static final int WAITING = 0;
    private static final int DONE = 1;
    private static final int FAILED = 2;

    final LogEntry entry;
    final byte[] frame;
    final boolean awaited;
    private final Thread waiter;
    private Pending[] group; // published by the volatile write of status
    private int index;
    private LogFailedException failure;
    private volatile int status = WAITING;

    Pending(LogEntry entry, byte[] frame, boolean awaited) {
      this.entry = entry;
      this.frame = frame;
      this.awaited = awaited;
      this.waiter = awaited ? Thread.currentThread() : null;
    }

    /** Completes every waiter of {@code batch} with success or {@code cause} and wakes them. */
    static void completeAll(List<Pending> batch, LogFailedException cause) {
      int count = 0;
      for (Pending pending : batch) {
        if (pending.awaited) {
          count++;
        }
      }
      if (count == 0) {
        return;
      }
      Pending[] group = new Pending[count];
      int i = 0;
      for (Pending pending : batch) {
        if (pending.awaited) {
          pending.group = group;
          pending.index = i;
          pending.failure = cause;
          group[i++] = pending;
        }
      }
      // Last to first: a waiter that sees its own outcome (it may be spinning or yielding rather
      // than parked) unparks its children at once, and a child that woke while still WAITING would
      // park again with nobody left to wake it. Children have higher indexes than their parent, so
      // when any waiter sees its outcome, every child's outcome is already written.
      int outcome = cause == null ? DONE : FAILED;
      for (int j = group.length - 1; j >= 0; j--) {
        group[j].status = outcome;
      }
      LockSupport.unpark(group[0].waiter);
    }

    /** Whether the writer has written this record's outcome, forced or failed (for tests). */
    boolean completed() {
      return status != WAITING;
    }

    /**
     * Waits until the writer forced this record (returns) or failed (throws): it spins for at most
     * {@code spinNanos}, then gives its core away with {@link Thread#yield()} for at most {@code
     * yieldNanos}, then parks. An interrupt does not end the wait: the outcome is known within one
     * force, and a caller who stopped waiting could not tell whether its commit decision is
     * durable. The interrupt status is restored on return.
     */
    void awaitWritten(long spinNanos, long yieldNanos, YieldFeedback feedback)
        throws LogFailedException {
      boolean interrupted = false;
      if (spinNanos > 0) {
        long until = System.nanoTime() + spinNanos;
        while (status == WAITING && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      }
      if (yieldNanos > 0 && status == WAITING) {
        long until = System.nanoTime() + yieldNanos;
        boolean stalled = false;
        long before;
        while (status == WAITING && (before = System.nanoTime()) < until) {
          Thread.yield();
          if (System.nanoTime() - before > YIELD_STALL_NANOS) {
            stalled = true; // the core went to a thread that does not yield back: park now
            break;
          }
        }
        feedback.yielded(stalled);
      }
      while (status == WAITING) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
      int child = 2 * index + 1;
      if (child < group.length) {
        LockSupport.unpark(group[child].waiter);
        if (child + 1 < group.length) {
          LockSupport.unpark(group[child + 1].waiter);
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (status == FAILED) {
        throw new LogFailedException(failure.getMessage(), failure.getCause());
      }
    }
  }

  /** Told after every wait that yielded whether one of its yields stalled. */
  @FunctionalInterface
  interface YieldFeedback {
    void yielded(boolean stalled);
  }

  private static final Pending CLOSE = new Pending(null, new byte[0], false);

  /** Where the writer starts: continue the newest segment, or create a new one. */
  record Start(
      long sequence,
      boolean create,
      long position,
      long zeroFrom,
      long zeroTo,
      List<Path> obsolete) {}

  private final LogOptions options;
  private final Path directory;
  private final LiveState state;
  private final Start start;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore capacity;
  private final AtomicBoolean parked = new AtomicBoolean();
  private int taken; // records taken off the queue whose slots are not yet released
  private final Thread thread;
  private final SegmentPreparer preparer;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024); // grows with the batches

  private FileChannel channel;
  private long sequence;
  private long position;
  private long limit;
  private boolean spareRequested;
  private volatile LogFailedException failure;

  LogWriter(LogOptions options, LiveState state, Start start) {
    this.options = options;
    this.directory = options.directory();
    this.state = state;
    this.start = start;
    this.capacity = new Semaphore(options.maxPendingAppends());
    this.thread = new Thread(this::run, "concord-log-writer[" + directory + "]");
    this.thread.setDaemon(true);
    this.preparer = new SegmentPreparer(options);
  }

  void start() {
    thread.start();
  }

  /** The failure that killed this writer, or null while it is healthy. */
  LogFailedException failure() {
    return failure;
  }

  /**
   * Queues a record, blocking while {@code maxPendingAppends} records are queued (back-pressure);
   * an interrupt does not stop the wait. Lock-free otherwise: many appenders do not convoy on a
   * lock.
   */
  void enqueue(Pending pending) {
    capacity.acquireUninterruptibly();
    queue.offer(pending);
    wakeWriter();
  }

  private void wakeWriter() {
    if (parked.get() && parked.compareAndSet(true, false)) {
      LockSupport.unpark(thread);
    }
  }

  /** Writes what is queued, stops the thread and closes the channel. Call once. */
  void shutdown() {
    queue.offer(CLOSE); // not counted against the capacity: close never waits for space
    wakeWriter();
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  Path currentSegment() {
    return SegmentFiles.segment(directory, sequence);
  }

  private void run() {
    try {
      initialize();
    } catch (Throwable t) {
      fail("could not start writing", t);
    }
    List<Pending> batch = new ArrayList<>();
    int batchBytes = 0;
    boolean forced = false;
    int waiters = 0;
    long lazyDeadline = 0;
    Pending carry = null;
    while (true) {
      Pending next;
      if (carry != null) {
        next = carry;
        carry = null;
      } else if (batch.isEmpty()) {
        next = take();
      } else {
        next = poll(lazyDeadline - System.nanoTime());
        if (next == null) {
          write(batch, batchBytes);
          batch.clear();
          batchBytes = 0;
          continue;
        }
      }
      if (next == CLOSE) {
        if (!batch.isEmpty()) {
          write(batch, batchBytes);
        }
        closeChannel();
        preparer.close();
        return;
      }
      if (!batch.isEmpty() && batchBytes + next.frame.length > MAX_BATCH_BYTES) {
        carry = next;
      } else {
        if (batch.isEmpty()) {
          lazyDeadline = System.nanoTime() + options.endDelayNanos();
        }
        batch.add(next);
        batchBytes += next.frame.length;
        forced |= next.awaited;
        waiters += next.awaited ? 1 : 0;
        Pending more;
        while ((more = next()) != null) {
          if (more == CLOSE || batchBytes + more.frame.length > MAX_BATCH_BYTES) {
            carry = more;
            break;
          }
          batch.add(more);
          batchBytes += more.frame.length;
          forced |= more.awaited;
          waiters += more.awaited ? 1 : 0;
        }
        if (forced && carry == null && waiters < expectedWaiters()) {
          // The committers the last force released are typically a few microseconds from their
          // next commit: waiting a fraction of a force for them turns batches that alternate
          // between 1 and n-1 records into batches of n. A lone committer never waits.
          long gatherUntil = System.nanoTime() + gatherNanos();
          while (waiters < expectedWaiters() && System.nanoTime() < gatherUntil) {
            more = next();
            if (more == null) {
              Thread.yield(); // let the committers run: there may be only two cores
              continue;
            }
            if (more == CLOSE || batchBytes + more.frame.length > MAX_BATCH_BYTES) {
              carry = more;
              break;
            }
            batch.add(more);
            batchBytes += more.frame.length;
            waiters += more.awaited ? 1 : 0;
          }
        }
      }
      if (forced || carry != null || batchBytes >= LAZY_FLUSH_BYTES) {
        if (forced) {
          recordBatch(waiters);
        }
        write(batch, batchBytes);
        batch.clear();
        batchBytes = 0;
        forced = false;
        waiters = 0;
      }
    }
  }

  /**
   * How long an appender of a forced record should spin before it parks: one and a half times the
   * last force when every recent forced batch held a single committer, else zero. With more
   * committers than that they would spin on the cores the others need to reach their commits.
   */
  long spinNanos() {
    long spin = lone && options.spinWait() ? lastForceNanos + lastForceNanos / 2 : 0;
    return spin <= MAX_SPIN_NANOS ? spin : 0;
  }

  /**
   * How long an appender of a forced record should yield its core, after any spin, before it parks:
   * {@link #YIELD_FORCES} times the last force when that force was short, else zero (always zero
   * without {@link LogOptions#spinWait()}).
   */
  long yieldNanos() {
    return yieldPaused ? 0 : yieldNanos(lastForceNanos, options.spinWait());
  }

  private final LongAdder yieldingWaits = new LongAdder();
  private final LongAdder stalledWaits = new LongAdder();

  /** Counts the yielding waits and those that stalled, for the writer's next window check. */
  final YieldFeedback yieldFeedback =
      stalled -> {
        yieldingWaits.increment();
        if (stalled) {
          stalledWaits.increment();
        }
      };

  private volatile boolean yieldPaused;
  private long yieldWindowStart = System.nanoTime(); // writer thread only
  private long yieldPausedUntil; // writer thread only

  /**
   * Once per window (writer thread): pauses yielding when too many yielding waits stalled, and
   * resumes it when the pause is over.
   */
  private void checkYieldStalls() {
    long now = System.nanoTime();
    if (now - yieldWindowStart < YIELD_WINDOW_NANOS) {
      return;
    }
    yieldWindowStart = now;
    long waits = yieldingWaits.sumThenReset();
    long stalls = stalledWaits.sumThenReset();
    if (yieldPaused) {
      if (now - yieldPausedUntil >= 0) {
        yieldPaused = false;
      }
    } else if (waits > 0 && stalls > MAX_STALLED_SHARE * waits) {
      yieldPausedUntil = now + YIELD_PAUSE_NANOS;
      yieldPaused = true;
      LOG.debug(
          "{} of {} yielding commits lost their core to CPU-bound threads; parking for {} ms",
          stalls,
          waits,
          YIELD_PAUSE_NANOS / 1_000_000);
    }
  }

  static long yieldNanos(long lastForceNanos, boolean spinWait) {
    return spinWait && lastForceNanos <= MAX_YIELD_FORCE_NANOS ? YIELD_FORCES * lastForceNanos : 0;
  }

  private final BatchGathering gathering =
      new BatchGathering(
          GATHER_HISTORY, MAX_GATHER_NANOS, Runtime.getRuntime().availableProcessors());
  private volatile long lastForceNanos;

  /** Whether every recent forced batch held one committer (written by the writer thread only). */
  private volatile boolean lone;

  private void recordBatch(int waiters) {
    checkYieldStalls();
    gathering.record(waiters);
    boolean alone = gathering.expectedWaiters() == 1;
    if (alone != lone) {
      lone = alone; // a volatile write only when it changes
    }
  }

  private int expectedWaiters() {
    return gathering.expectedWaiters();
  }

  private long gatherNanos() {
    return gathering.gatherNanos(lastForceNanos);
  }

  /** The next queued record; parks while there is none (no spinning while idle). */
  private Pending take() {
    return poll(Long.MAX_VALUE);
  }

  /**
   * The next queued record, or null after {@code nanos} without one. Right after a batch it spins
   * for a few microseconds (a lone appender's next commit usually arrives that fast, and a park
   * plus unpark would cost more than the spin), then parks.
   */
  private Pending poll(long nanos) {
    long now = System.nanoTime();
    long deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + nanos;
    long spinUntil = now + Math.min(SPIN_NANOS, Math.max(0, nanos));
    while (true) {
      Pending next = next();
      if (next != null) {
        return next;
      }
      if (System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
        continue;
      }
      releaseTaken(); // never sleep on slots an appender may be waiting for
      parked.set(true);
      next = next(); // an appender may have queued before seeing parked == true
      if (next != null) {
        parked.set(false);
        return next;
      }
      long remaining = deadline - System.nanoTime();
      if (deadline != Long.MAX_VALUE && remaining <= 0) {
        parked.set(false);
        return null;
      }
      if (deadline == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, remaining);
      }
      parked.set(false);
      // Nobody may interrupt this thread; if someone does, the interrupt must neither end the log
      // nor turn park() into a busy loop.
      Thread.interrupted();
    }
  }

  private Pending next() {
    Pending next = queue.poll();
    if (next != null && next != CLOSE) {
      taken++;
    }
    return next;
  }

  /** Gives the queue slots of the records taken so far back to the appenders, in one step. */
  private void releaseTaken() {
    if (taken > 0) {
      capacity.release(taken);
      taken = 0;
    }
  }

  private void initialize() throws IOException {
    for (Path temporary : SegmentFiles.listTemporary(directory)) {
      LOG.info("Deleting {}: a spare or new segment the previous run did not finish", temporary);
      Files.delete(temporary);
    }
    if (start.create()) {
      sequence = start.sequence() - 1;
      roll();
    } else {
      sequence = start.sequence();
      Path file = currentSegment();
      channel =
          options.channelOpener().open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      position = start.position();
      limit = Math.max(options.segmentSizeBytes(), channel.size());
      if (start.zeroTo() > start.zeroFrom()) {
        SegmentPreparer.zeroFill(channel, start.zeroFrom(), start.zeroTo());
        force(channel, false);
      }
    }
    deleteObsolete(start.obsolete());
    requestSpareAtHalf();
  }

  /**
   * Starts zero-filling the next segment once the active one is half full: early enough to be ready
   * at the roll, late enough not to compete with the commits of a freshly opened log.
   */
  private void requestSpareAtHalf() {
    if (!spareRequested && position >= limit / 2) {
      spareRequested = true;
      preparer.prepare(sequence + 1, limit); // a grown segment is followed by one as large
    }
  }

  /** Writes one batch and forces it; on failure kills the log. */
  private void write(List<Pending> batch, int frameBytes) {
    releaseTaken();
    // A pending interrupt would close the channel at its next blocking call. Nobody should
    // interrupt this thread, but if someone did, it must not kill the log.
    Thread.interrupted();
    if (failure != null) {
      failAll(batch, failure);
      return;
    }
    long total = RecordCodec.FRAME_HEADER_BYTES + 8L + frameBytes;
    long at = -1;
    try {
      if (position + total > limit) {
        roll();
      }
      at = position;
      ByteBuffer out = buffer(total);
      out.clear();
      out.put(RecordCodec.encodeFrame(new LogEntry.Batch(frameBytes, batch.size())));
      for (Pending pending : batch) {
        out.put(pending.frame);
      }
      out.flip();
      long startedForce = System.nanoTime();
      writeFully(channel, out, at);
      force(channel, false);
      // Before the waiters are released, so that they already plan their next wait with it; a
      // roll is not counted, it is no part of a force.
      lastForceNanos = System.nanoTime() - startedForce;
      position = at + total;
      requestSpareAtHalf();
    } catch (Throwable t) {
      fail(
          at < 0
              ? "could not start a new segment"
              : "writing " + total + " bytes at offset " + at + " of " + currentSegment(),
          t);
      failAll(batch, failure);
      return;
    }
    try {
      state.applyAll(batch);
    } catch (Throwable t) {
      // Forced but not applied: the in-memory state no longer matches the disk, so this instance
      // must take no more records. The waiters are told it failed (the records may be on disk;
      // recovery after a reopen reads them from there) rather than left parked.
      fail("applying a written batch to the live state", t);
      failAll(batch, failure);
      return;
    }
    Pending.completeAll(batch, null);
  }

  private ByteBuffer buffer(long total) {
    if (total > buffer.capacity()) {
      buffer = ByteBuffer.allocateDirect(Integer.highestOneBit((int) total - 1) << 1);
    }
    return buffer;
  }

  /** Starts the next segment with a snapshot of the live records, then deletes older ones. */
  private void roll() throws IOException {
    long next = sequence + 1;
    byte[] head = snapshotBytes(next);
    long size = options.segmentSizeBytes();
    if (head.length * 2L > size) {
      long grown = ((head.length * 2L + 4095) / 4096) * 4096;
      LOG.warn(
          "Live records take {} bytes, more than half of a {}-byte segment; segment {} is {} bytes",
          head.length,
          size,
          SegmentFiles.segmentName(next),
          grown);
      size = grown;
    }
    Path temporary = SegmentFiles.temporary(directory, next);
    SegmentPreparer.Spare spare = preparer.take(next);
    FileChannel created;
    if (spare != null && spare.size() >= size) {
      // zero-filled and forced with its metadata in the background: only the head is new
      created =
          options
              .channelOpener()
              .open(temporary, StandardOpenOption.READ, StandardOpenOption.WRITE);
      size = spare.size();
    } else {
      if (spare != null) {
        Files.deleteIfExists(spare.file());
      }
      Files.deleteIfExists(temporary);
      created =
          options
              .channelOpener()
              .open(
                  temporary,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.READ,
                  StandardOpenOption.WRITE);
    }
    try {
      if (spare == null || spare.size() < size) {
        SegmentPreparer.zeroFill(created, head.length, size);
      }
      writeFully(created, ByteBuffer.wrap(head), 0);
      force(created, spare == null); // a spare's size and allocation were forced when prepared
      Files.move(temporary, SegmentFiles.segment(directory, next), StandardCopyOption.ATOMIC_MOVE);
      forceDirectory();
    } catch (IOException | RuntimeException e) {
      created.close();
      throw e;
    }
    FileChannel previous = channel;
    channel = created;
    sequence = next;
    position = head.length;
    limit = size;
    if (previous != null) {
      previous.close();
    }
    spareRequested = false;
    List<Path> older = new ArrayList<>();
    for (Path segment : SegmentFiles.list(directory)) {
      if (SegmentFiles.sequenceOf(segment) < next) {
        older.add(segment);
      }
    }
    deleteObsolete(older);
  }

  private byte[] snapshotBytes(long next) {
    List<LogEntry> snapshot = state.snapshot();
    List<byte[]> frames = new ArrayList<>(snapshot.size() + 1);
    int length = SegmentHeader.SIZE;
    for (LogEntry entry : snapshot) {
      byte[] frame = RecordCodec.encodeFrame(entry);
      frames.add(frame);
      length += frame.length;
    }
    byte[] checkpoint = RecordCodec.encodeFrame(new LogEntry.Checkpoint(snapshot.size()));
    frames.add(checkpoint);
    length += checkpoint.length;
    ByteBuffer head = ByteBuffer.allocate(length);
    head.put(
        new SegmentHeader(
                SegmentHeader.FORMAT_VERSION, next, System.currentTimeMillis(), options.nodeId())
            .encode());
    frames.forEach(head::put);
    return head.array();
  }

  private void deleteObsolete(List<Path> obsolete) throws IOException {
    if (obsolete.isEmpty()) {
      return;
    }
    for (Path segment : obsolete) { // oldest first: a crash leaves a contiguous suffix
      Files.deleteIfExists(segment);
    }
    forceDirectory();
  }

  private void forceDirectory() throws IOException {
    if (options.forceMode() == ForceMode.NONE) {
      return;
    }
    try (FileChannel directoryChannel = FileChannel.open(directory, StandardOpenOption.READ)) {
      directoryChannel.force(true);
    }
  }

  /** Forces {@code target} unless the log runs without forcing ({@link ForceMode#NONE}). */
  private void force(FileChannel target, boolean metadata) throws IOException {
    if (options.forceMode() == ForceMode.FDATASYNC) {
      target.force(metadata);
    }
  }

  private static void writeFully(FileChannel target, ByteBuffer source, long at)
      throws IOException {
    long offset = at;
    while (source.hasRemaining()) {
      offset += target.write(source, offset);
    }
  }

  private void fail(String what, Throwable cause) {
    if (failure == null) {
      failure =
          new LogFailedException(
              "Transaction log "
                  + directory
                  + " failed while "
                  + what
                  + ": "
                  + cause
                  + ". This log instance accepts no more records; reopen it after fixing the cause.",
              cause);
      LOG.error("{}", failure.getMessage(), cause);
    }
    // Even after an Error the thread keeps running: it must go on failing every queued append,
    // or appenders would wait forever.
  }

  private void failAll(List<Pending> batch, LogFailedException cause) {
    Pending.completeAll(batch, cause);
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("Closing {} failed: {}", currentSegment(), e.toString());
      }
    }
  }
}
