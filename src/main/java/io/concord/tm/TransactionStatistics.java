package io.concord.tm;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters of one {@link ConcordTransactionManager}, cheap to update from many threads (one {@link
 * LongAdder} each). Every begun transaction ends in exactly one outcome counter, so once nothing is
 * in flight: {@code begun = committed() + rolledBack + heuristic + inDoubt}, with {@code
 * committed() = committedOnePhase + committedTwoPhase + committedReadOnly}. {@code timedOut} counts
 * the rolled back transactions that the timeout ended (a subset of {@code rolledBack}).
 */
public final class TransactionStatistics {

  private final LongAdder begun = new LongAdder();
  private final LongAdder committedOnePhase = new LongAdder();
  private final LongAdder committedTwoPhase = new LongAdder();
  private final LongAdder committedReadOnly = new LongAdder();
  private final LongAdder rolledBack = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder heuristic = new LongAdder();
  private final LongAdder inDoubt = new LongAdder();
  private final LongSupplier active;

  TransactionStatistics(LongSupplier active) {
    this.active = active;
  }

  /** Transactions begun. */
  public long begun() {
    return begun.sum();
  }

  /** Transactions begun and not yet completed. */
  public long active() {
    return active.getAsLong();
  }

  /** Committed with one branch (one-phase commit, nothing logged) or with no branch at all. */
  public long committedOnePhase() {
    return committedOnePhase.sum();
  }

  /** Committed by two-phase commit: a COMMIT record was forced, then phase 2 ran. */
  public long committedTwoPhase() {
    return committedTwoPhase.sum();
  }

  /** Every branch voted read-only: nothing to commit, nothing logged. */
  public long committedReadOnly() {
    return committedReadOnly.sum();
  }

  /** All commits: one-phase + two-phase + read-only. */
  public long committed() {
    return committedOnePhase() + committedTwoPhase() + committedReadOnly();
  }

  /** Rolled back: by the application, by a failed prepare or synchronization, or by timeout. */
  public long rolledBack() {
    return rolledBack.sum();
  }

  /** Rolled back because their timeout expired (included in {@link #rolledBack()}). */
  public long timedOut() {
    return timedOut.sum();
  }

  /** Completed with a heuristic outcome (HeuristicMixedException/HeuristicRollbackException). */
  public long heuristic() {
    return heuristic.sum();
  }

  /**
   * Outcome left to recovery because the decision could not be made durable (the log failed) or a
   * last resource's one-phase commit answered ambiguously; the caller got a SystemException.
   */
  public long inDoubt() {
    return inDoubt.sum();
  }

  /** All counters at (nearly) one moment. */
  public Snapshot snapshot() {
    return new Snapshot(
        begun(),
        active(),
        committedOnePhase(),
        committedTwoPhase(),
        committedReadOnly(),
        rolledBack(),
        timedOut(),
        heuristic(),
        inDoubt());
  }

  /** Values of every counter; see the getters of {@link TransactionStatistics}. */
  public record Snapshot(
      long begun,
      long active,
      long committedOnePhase,
      long committedTwoPhase,
      long committedReadOnly,
      long rolledBack,
      long timedOut,
      long heuristic,
      long inDoubt) {

    public long committed() {
      return committedOnePhase + committedTwoPhase + committedReadOnly;
    }

    /** Transactions with an outcome. */
    public long completed() {
      return committed() + rolledBack + heuristic + inDoubt;
    }
  }

  void recordBegun() {
    begun.increment();
  }

  void recordCommittedOnePhase() {
    committedOnePhase.increment();
  }

  void recordCommittedTwoPhase() {
    committedTwoPhase.increment();
  }

  void recordCommittedReadOnly() {
    committedReadOnly.increment();
  }

  void recordRolledBack(boolean byTimeout) {
    rolledBack.increment();
    if (byTimeout) {
      timedOut.increment();
    }
  }

  void recordHeuristic() {
    heuristic.increment();
  }

  void recordInDoubt() {
    inDoubt.increment();
  }
}
