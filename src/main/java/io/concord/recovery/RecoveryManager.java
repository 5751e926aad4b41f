package io.concord.recovery;

import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.TransactionLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceRecoveryRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or undoes every in-doubt branch after a crash of the application or of a database:
 * commits the branches of open COMMIT records, rolls back this node's branches that have none,
 * writes END when a record's branches are all done, keeps heuristic outcomes until an operator
 * forgets them. The algorithm is in {@link RecoveryPass} and docs/recovery.md.
 *
 * <p>Resources come from {@link XAResourceRecovery} sources registered through the jboss SPI
 * ({@link #addXAResourceRecovery}); Concord DataSources register themselves. Recovery runs
 *
 * <ul>
 *   <li>at start-up: {@link #start()} runs passes until nothing is left or {@link
 *       RecoveryOptions#startupTimeout()} has passed, before the TM reports ready;
 *   <li>periodically, every {@link RecoveryOptions#interval()}, on one daemon thread;
 *   <li>on demand: {@link #runOnce()}.
 * </ul>
 *
 * Passes never overlap. Thread-safe.
 */
public final class RecoveryManager implements XAResourceRecoveryRegistry, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryManager.class);

  /** The shortest pause between start-up passes, so a stubborn failure is not retried hot. */
  private static final long MIN_STARTUP_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final TransactionLog log;
  private final RecoveryOptions options;
  private final InFlightTransactions inFlight;
  private final List<RecoverySource> sources = new CopyOnWriteArrayList<>();
  private final OrphanSightings sightings = new OrphanSightings();

  /** One pass at a time; also held by removeXAResourceRecovery, which may block (jboss SPI). */
  private final ReentrantLock passLock = new ReentrantLock();

  private volatile RecoveryReport lastReport;
  private ScheduledExecutorService scheduler;
  private boolean started;
  private boolean closed;

  /**
   * @param log the TM's write-ahead log (not closed by this manager)
   * @param options node ids, intervals and limits
   * @param inFlight the TM's view of its running transactions ({@link InFlightTransactions#NONE}
   *     only where no TM runs in the process)
   */
  public RecoveryManager(
      TransactionLog log, RecoveryOptions options, InFlightTransactions inFlight) {
    this.log = Objects.requireNonNull(log, "log is null");
    this.options = Objects.requireNonNull(options, "options is null");
    this.inFlight = Objects.requireNonNull(inFlight, "inFlight is null");
  }

  public RecoveryOptions options() {
    return options;
  }

  /** Registers a source of recovery resources; registering the same instance twice is a no-op. */
  @Override
  public void addXAResourceRecovery(XAResourceRecovery recovery) {
    Objects.requireNonNull(recovery, "XAResourceRecovery is null");
    passLock.lock();
    try {
      for (RecoverySource s : sources) {
        if (s.recovery == recovery) {
          return;
        }
      }
      sources.add(new RecoverySource(recovery));
    } finally {
      passLock.unlock();
    }
  }

  /** Unregisters a source; waits for a running pass to finish first (jboss SPI contract). */
  @Override
  public void removeXAResourceRecovery(XAResourceRecovery recovery) {
    passLock.lock();
    try {
      sources.removeIf(s -> s.recovery == recovery);
    } finally {
      passLock.unlock();
    }
  }

  /** How many sources are registered. */
  public int registeredSources() {
    return sources.size();
  }

  /**
   * Start-up recovery, then periodic recovery. Runs passes until none has work left or {@link
   * RecoveryOptions#startupTimeout()} has passed (at least one pass), waiting between passes for
   * the next orphan to become due or the next unreachable resource to be retried. Whatever is left
   * is logged and handled by the periodic passes. Call once, before the TM takes transactions.
   *
   * @return what the start-up passes did and left, combined
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  public RecoveryReport start() {
    passLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("recovery manager is closed");
      }
      if (started) {
        throw new IllegalStateException("recovery manager already started");
      }
      started = true;
    } finally {
      passLock.unlock();
    }
    RecoveryReport report = recoverAtStartup();
    if (report.hasWorkLeft()) {
      LOG.warn(
          "start-up recovery left work after {} (continued every {}):\n{}",
          options.startupTimeout(),
          options.interval(),
          report.toText());
    } else {
      LOG.info("start-up recovery done: {}", firstLine(report));
    }
    if (!options.interval().isZero()) {
      schedulePeriodic();
    }
    return report;
  }

  private RecoveryReport recoverAtStartup() {
    long deadline = System.nanoTime() + options.startupTimeout().toNanos();
    List<RecoveryReport> reports = new ArrayList<>();
    while (true) {
      RecoveryReport report = pass(true);
      reports.add(report);
      if (!report.hasWorkLeft()) {
        break;
      }
      long now = System.nanoTime();
      long wake = Math.max(now + MIN_STARTUP_PAUSE_NANOS, nextWakeNanos(now));
      if (wake - deadline > 0) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(wake - now);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("start-up recovery interrupted; the rest is left to periodic recovery");
        break;
      }
    }
    return RecoveryReport.combine(reports);
  }

  /**
   * The earliest moment a pass could make progress: an orphan due or a resource to retry; without
   * either (a failed completion, a record waiting for an unregistered resource), one initial retry
   * delay from now.
   */
  private long nextWakeNanos(long now) {
    passLock.lock();
    try {
      List<Long> candidates = new ArrayList<>();
      sightings.nextDueNanos(options.orphanGrace().toNanos()).ifPresent(candidates::add);
      for (RecoverySource s : sources) {
        if (s.backingOff()) {
          candidates.add(s.nextAttemptNanos());
        }
      }
      // nanoTime values are compared by difference (they may wrap)
      return candidates.stream()
          .reduce((a, b) -> a - b <= 0 ? a : b)
          .orElse(now + options.retryInitialDelay().toNanos());
    } finally {
      passLock.unlock();
    }
  }

  private void schedulePeriodic() {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "concord-recovery");
              t.setDaemon(true);
              return t;
            });
    long every = options.interval().toMillis();
    executor.scheduleWithFixedDelay(this::periodicPass, every, every, TimeUnit.MILLISECONDS);
    passLock.lock();
    try {
      if (closed) {
        executor.shutdown();
        return;
      }
      scheduler = executor;
    } finally {
      passLock.unlock();
    }
  }

  private void periodicPass() {
    try {
      RecoveryReport report = pass(true);
      if (!report.committed().isEmpty()
          || !report.rolledBack().isEmpty()
          || !report.newHeuristics().isEmpty()
          || report.endedRecords() > 0) {
        LOG.info("periodic recovery: {}", firstLine(report));
      } else {
        LOG.debug("periodic recovery: {}", firstLine(report));
      }
    } catch (RuntimeException | Error e) {
      // the schedule must survive anything one pass throws
      LOG.error("periodic recovery pass failed; retried in {}", options.interval(), e);
    }
  }

  /**
   * Runs one pass now (every registered source is tried, back-off or not) and returns its report.
   * Waits for a pass already running.
   */
  public RecoveryReport runOnce() {
    return pass(false);
  }

  private RecoveryReport pass(boolean honourBackoff) {
    passLock.lock();
    try {
      RecoveryReport report =
          new RecoveryPass(log, options, inFlight, List.copyOf(sources), sightings, honourBackoff)
              .run();
      lastReport = report;
      return report;
    } finally {
      passLock.unlock();
    }
  }

  /** The report of the latest pass, if any ran. */
  public Optional<RecoveryReport> lastReport() {
    return Optional.ofNullable(lastReport);
  }

  /** Heuristic outcomes in the log that no operator has forgotten yet. */
  public List<HeuristicRecord> heuristics() {
    return log.heuristics();
  }

  /**
   * Forgets the heuristic outcomes of one global transaction once an operator has fixed the data by
   * hand (writes a FORGET record).
   *
   * @return false when no outstanding heuristic has this gtrid
   * @throws LogException when the FORGET record cannot be written
   */
  public boolean forget(byte[] gtrid) throws LogException {
    Objects.requireNonNull(gtrid, "gtrid is null");
    GtridKey key = new GtridKey(gtrid);
    boolean known = log.heuristics().stream().anyMatch(h -> new GtridKey(h.gtrid()).equals(key));
    if (!known) {
      return false;
    }
    log.appendForget(gtrid);
    LOG.info("heuristic outcome of gtrid {} forgotten by an operator", key.hex());
    return true;
  }

  /**
   * {@link #forget(byte[])} with the gtrid in hexadecimal, as reports and {@code concord recover
   * heuristics} print it.
   *
   * @throws IllegalArgumentException when {@code gtridHex} is not an even number of hex digits
   */
  public boolean forget(String gtridHex) throws LogException {
    Objects.requireNonNull(gtridHex, "gtrid is null");
    String hex = gtridHex.trim();
    if (hex.isEmpty() || hex.length() % 2 != 0) {
      throw new IllegalArgumentException(
          "gtrid must be an even number of hexadecimal digits, got '" + gtridHex + "'");
    }
    byte[] gtrid;
    try {
      gtrid = HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "gtrid must be hexadecimal digits, got '" + gtridHex + "'", e);
    }
    return forget(gtrid);
  }

  /**
   * Stops periodic recovery, letting a running pass finish (never interrupted: a pass does JDBC and
   * log I/O). Does not close the log. Idempotent.
   */
  @Override
  public void close() {
    ScheduledExecutorService executor;
    passLock.lock();
    try {
      closed = true;
      executor = scheduler;
      scheduler = null;
    } finally {
      passLock.unlock();
    }
    if (executor != null) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(Duration.ofMinutes(1).toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("a recovery pass is still running after 1 minute; leaving it to finish");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String firstLine(RecoveryReport report) {
    String text = report.toText();
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }
}
