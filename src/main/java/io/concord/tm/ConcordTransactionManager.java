package io.concord.tm;

import io.concord.log.TransactionLog;
import io.concord.xa.ConcordXid;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.transaction.xa.Xid;
import org.jboss.tm.TransactionTimeoutConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concord's Jakarta Transactions {@link TransactionManager}: two-phase commit over XA with the
 * commit decision forced to a {@link TransactionLog} (DESIGN.md "The commit protocol").
 *
 * <pre>{@code
 * TransactionLog log = TransactionLog.open(LogOptions.builder(dir).nodeId("orders-1").build());
 * ConcordTransactionManager tm =
 *     ConcordTransactionManager.builder(log).nodeId("orders-1").build();
 * UserTransaction ut = tm.userTransaction();
 * TransactionSynchronizationRegistry tsr = tm.transactionSynchronizationRegistry();
 * }</pre>
 *
 * <p>Thread association is per manager instance. {@link #close()} stops the timeout reaper; it does
 * not close the log, which belongs to the caller (the recovery manager uses the same instance, see
 * {@link #log()} and {@link #isInFlight(Xid)}).
 */
public final class ConcordTransactionManager
    implements TransactionManager, TransactionTimeoutConfiguration, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConcordTransactionManager.class);

  /** The default transaction timeout when none is configured. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** How often the reaper looks for expired transactions when not configured. */
  public static final Duration DEFAULT_REAPER_INTERVAL = Duration.ofMillis(100);

  private final TransactionLog log;
  private final DecisionLog decisionLog;
  private final String nodeId;
  private final long incarnation;
  private final ConcordXid.Factory xidFactory;
  private final int defaultTimeoutSeconds;
  private final AtomicLong counter = new AtomicLong();
  private final Set<ConcordTransaction> inFlight = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);
  private final TransactionStatistics statistics;
  private final BranchRecords branchRecords = new BranchRecords();
  private final TimeoutReaper reaper;
  private final ConcordUserTransaction userTransaction;
  private final ConcordSynchronizationRegistry synchronizationRegistry;
  private volatile boolean closed;

  /** The calling thread's association and timeout setting (one ThreadLocal lookup per call). */
  private static final class ThreadState {
    ConcordTransaction tx;
    int timeoutSeconds;
  }

  private ConcordTransactionManager(Builder builder) {
    this.log = builder.log;
    this.decisionLog =
        builder.decisionLog != null ? builder.decisionLog : DecisionLog.of(builder.log);
    this.nodeId = builder.nodeId != null ? builder.nodeId : NodeIdentity.fromHostName();
    this.incarnation = decisionLog.incarnation();
    this.xidFactory = new ConcordXid.Factory(nodeId, incarnation);
    this.defaultTimeoutSeconds = (int) builder.defaultTimeout.toSeconds();
    this.statistics = new TransactionStatistics(inFlight::size);
    this.userTransaction = new ConcordUserTransaction(this);
    this.synchronizationRegistry = new ConcordSynchronizationRegistry(this);
    this.reaper = new TimeoutReaper(inFlight, builder.reaperInterval, nodeId);
  }

  /**
   * Starts configuring a manager that forces its commit decisions to {@code log}.
   *
   * @param log an open log; the manager uses its {@link TransactionLog#incarnation()} in every Xid
   */
  public static Builder builder(TransactionLog log) {
    return new Builder(Objects.requireNonNull(log, "log"), null);
  }

  /** For tests that need a log which fails on demand. */
  static Builder builder(DecisionLog decisionLog) {
    return new Builder(null, Objects.requireNonNull(decisionLog, "decisionLog"));
  }

  /** Configuration of a {@link ConcordTransactionManager}; see docs/tm.md for every knob. */
  public static final class Builder {
    private final TransactionLog log;
    private final DecisionLog decisionLog;
    private String nodeId;
    private Duration defaultTimeout = DEFAULT_TIMEOUT;
    private Duration reaperInterval = DEFAULT_REAPER_INTERVAL;

    private Builder(TransactionLog log, DecisionLog decisionLog) {
      this.log = log;
      this.decisionLog = decisionLog;
    }

    /**
     * The node id written into every Xid: unique among the processes that share a database, and
     * stable across restarts of this process (recovery finds its in-doubt branches by it). At most
     * 32 bytes of UTF-8. When not set, it is derived from the host name, with a warning.
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = ConcordXid.requireValidNodeId(nodeId);
      return this;
    }

    /**
     * Timeout of transactions whose thread did not call {@code setTransactionTimeout}; whole
     * seconds, default 60 s. {@link Duration#ZERO} means transactions never time out.
     */
    public Builder defaultTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("default timeout must not be negative: " + timeout);
      }
      if (timeout.toSeconds() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("default timeout too large: " + timeout);
      }
      if (!timeout.isZero() && timeout.toSeconds() == 0) {
        throw new IllegalArgumentException(
            "default timeout is in whole seconds; " + timeout + " would mean no timeout at all");
      }
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * How often the single reaper thread checks the in-flight transactions for expired timeouts
     * (default 100 ms): the lateness of a timeout is at most this long.
     */
    public Builder reaperInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("reaper interval must be positive: " + interval);
      }
      this.reaperInterval = interval;
      return this;
    }

    public ConcordTransactionManager build() {
      return new ConcordTransactionManager(this);
    }
  }

  // ---------------------------------------------------------------- TransactionManager

  @Override
  public void begin() throws NotSupportedException, SystemException {
    if (closed) {
      throw new SystemException("begin: this transaction manager is closed");
    }
    ThreadState state = threads.get();
    ConcordTransaction current = state.tx;
    if (current != null) {
      if (current.isTimedOutUnacknowledged()) {
        throw new NotSupportedException(
            "begin: this thread's "
                + current
                + " timed out and was rolled back; end it with rollback() (or commit(), which"
                + " throws RollbackException) before beginning another");
      }
      if (!current.isEndedForApplication()) {
        throw new NotSupportedException(
            "begin: this thread already has "
                + current
                + "; nested transactions are not supported");
      }
      // completed by another thread: the stale association simply ends here
    }
    int timeout = state.timeoutSeconds != 0 ? state.timeoutSeconds : defaultTimeoutSeconds;
    ConcordTransaction tx = new ConcordTransaction(this, counter.incrementAndGet(), timeout);
    inFlight.add(tx);
    statistics.recordBegun();
    state.tx = tx;
  }

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    ThreadState state = threads.get();
    ConcordTransaction tx = state.tx;
    if (tx == null) {
      throw new IllegalStateException("commit: no transaction on this thread");
    }
    try {
      tx.commitByApplication();
    } finally {
      if (state.tx == tx) {
        state.tx = null;
      }
    }
  }

  @Override
  public void rollback() throws IllegalStateException, SecurityException, SystemException {
    ThreadState state = threads.get();
    ConcordTransaction tx = state.tx;
    if (tx == null) {
      throw new IllegalStateException("rollback: no transaction on this thread");
    }
    try {
      tx.rollbackByApplication();
    } finally {
      if (state.tx == tx) {
        state.tx = null;
      }
    }
  }

  @Override
  public void setRollbackOnly() throws IllegalStateException, SystemException {
    ConcordTransaction tx = threads.get().tx;
    if (tx == null) {
      throw new IllegalStateException("setRollbackOnly: no transaction on this thread");
    }
    tx.setRollbackOnly();
  }

  @Override
  public int getStatus() {
    ConcordTransaction tx = threads.get().tx;
    return tx == null ? Status.STATUS_NO_TRANSACTION : tx.getStatus();
  }

  @Override
  public Transaction getTransaction() {
    return threads.get().tx;
  }

  /**
   * Sets the timeout of transactions begun later on this thread; 0 restores the default.
   *
   * @throws SystemException for a negative value (JTA javadoc)
   */
  @Override
  public void setTransactionTimeout(int seconds) throws SystemException {
    if (seconds < 0) {
      throw new SystemException("setTransactionTimeout: negative timeout " + seconds + " s");
    }
    threads.get().timeoutSeconds = seconds;
  }

  /**
   * Detaches the thread's transaction and returns it (null when there is none). Its XA resources
   * stay pinned to it: no driver honours {@code TMSUSPEND}, so the TM tells the driver nothing.
   */
  @Override
  public Transaction suspend() {
    ThreadState state = threads.get();
    ConcordTransaction tx = state.tx;
    state.tx = null;
    return tx;
  }

  /**
   * Associates the thread with {@code transaction}; {@code null} leaves the thread without one.
   *
   * @throws InvalidTransactionException for an object not from this manager, or a transaction the
   *     application already committed or rolled back
   * @throws IllegalStateException when the thread already has another transaction
   */
  @Override
  public void resume(Transaction transaction)
      throws InvalidTransactionException, IllegalStateException, SystemException {
    ThreadState state = threads.get();
    if (state.tx != null) {
      if (state.tx == transaction) {
        return;
      }
      throw new IllegalStateException(
          "resume: this thread already has " + state.tx + "; suspend it first");
    }
    if (transaction == null) {
      return;
    }
    if (!(transaction instanceof ConcordTransaction tx) || !tx.belongsTo(this)) {
      throw new InvalidTransactionException(
          "resume: " + transaction + " was not begun by this transaction manager");
    }
    if (tx.isEndedForApplication()) {
      throw new InvalidTransactionException("resume: " + tx + " has already been completed");
    }
    state.tx = tx;
  }

  // ---------------------------------------------------------------- jboss SPI

  /** The timeout, in seconds, that the next {@code begin} on this thread will use. */
  @Override
  public int getTransactionTimeout() {
    int seconds = threads.get().timeoutSeconds;
    return seconds != 0 ? seconds : defaultTimeoutSeconds;
  }

  /**
   * Milliseconds left before the thread's transaction times out; -1 when the thread has no
   * transaction or the transaction has no timeout.
   *
   * @throws RollbackException when {@code errorRollback} and the transaction is marked
   *     rollback-only or timed out
   */
  @Override
  public long getTimeLeftBeforeTransactionTimeout(boolean errorRollback) throws RollbackException {
    ConcordTransaction tx = threads.get().tx;
    if (tx == null) {
      return -1;
    }
    if (errorRollback) {
      int s = tx.getStatus();
      if (tx.isTimedOut()
          || s == Status.STATUS_MARKED_ROLLBACK
          || s == Status.STATUS_ROLLING_BACK
          || s == Status.STATUS_ROLLEDBACK) {
        throw new RollbackException(tx + " is marked for rollback");
      }
    }
    return tx.hasTimeout() ? tx.remainingMillis() : -1;
  }

  // ---------------------------------------------------------------- companions

  /** The {@link UserTransaction} view of this manager (same thread association). */
  public UserTransaction userTransaction() {
    return userTransaction;
  }

  /** The {@link TransactionSynchronizationRegistry} of this manager. */
  public TransactionSynchronizationRegistry transactionSynchronizationRegistry() {
    return synchronizationRegistry;
  }

  /** Counters of begun and completed transactions. */
  public TransactionStatistics statistics() {
    return statistics;
  }

  /** The node id in every Xid of this manager. */
  public String nodeId() {
    return nodeId;
  }

  /** The log incarnation in every Xid of this manager. */
  public long incarnation() {
    return incarnation;
  }

  /** The default transaction timeout in seconds (0: none). */
  public int defaultTimeoutSeconds() {
    return defaultTimeoutSeconds;
  }

  // ---------------------------------------------------------------- for the recovery manager

  /**
   * The log this manager forces its decisions to: the recovery manager reads its COMMIT records
   * from the same instance (a log directory belongs to one process). Null only for managers built
   * by tests without a real log.
   */
  public TransactionLog log() {
    return log;
  }

  /**
   * True when {@code xid} is a branch of a transaction of this manager that has not completed yet.
   * Recovery must not roll back such a branch: it may be between prepare and its COMMIT record.
   *
   * <p>Ordering guarantee: a transaction leaves the in-flight set only after its COMMIT record (if
   * it has one) is in the log. So a recovery pass that checks {@code isInFlight(xid)} first and
   * then reads {@link TransactionLog#liveCommits()} never misses a decision.
   */
  public boolean isInFlight(Xid xid) {
    ConcordXid parsed = ConcordXid.parse(xid).orElse(null);
    if (parsed == null || parsed.incarnation() != incarnation || !parsed.nodeId().equals(nodeId)) {
      return false;
    }
    long wanted = parsed.counter();
    for (ConcordTransaction tx : inFlight) {
      if (tx.counter == wanted) {
        return true;
      }
    }
    return false;
  }

  /** The Xids of every enlisted branch of every transaction in flight now (a snapshot). */
  public List<ConcordXid> inFlightXids() {
    List<ConcordXid> xids = new ArrayList<>();
    for (ConcordTransaction tx : inFlight) {
      xids.addAll(tx.branchXids());
    }
    return xids;
  }

  /**
   * Stops the timeout reaper and refuses further {@code begin}s. Transactions in flight can still
   * complete. Does not close the log.
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      reaper.close();
      if (!inFlight.isEmpty()) {
        LOG.warn(
            "transaction manager {} closed with {} transaction(s) still in flight; their timeouts"
                + " are no longer enforced",
            nodeId,
            inFlight.size());
      }
    }
  }

  // ---------------------------------------------------------------- package-private plumbing

  ConcordXid.Factory xidFactory() {
    return xidFactory;
  }

  DecisionLog decisionLog() {
    return decisionLog;
  }

  BranchRecords branchRecords() {
    return branchRecords;
  }

  /** The calling thread's transaction, or null. */
  ConcordTransaction current() {
    return threads.get().tx;
  }

  void completed(ConcordTransaction tx) {
    inFlight.remove(tx);
  }

  int inFlightCount() {
    return inFlight.size();
  }

  void disassociateIfCurrent(ConcordTransaction tx) {
    ThreadState state = threads.get();
    if (state.tx == tx) {
      state.tx = null;
    }
  }

  /** Makes {@code tx} the thread's transaction for a callback; returns what to restore. */
  ConcordTransaction associateForCallback(ConcordTransaction tx) {
    ThreadState state = threads.get();
    ConcordTransaction previous = state.tx;
    state.tx = tx;
    return previous;
  }

  void restoreAfterCallback(ConcordTransaction previous) {
    threads.get().tx = previous;
  }

  @Override
  public String toString() {
    return "ConcordTransactionManager[" + nodeId + ", incarnation " + incarnation + "]";
  }
}
