package io.concord.tm;

import io.concord.xa.BranchOutcome;
import io.concord.xa.XaErrorClassification;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import java.util.ArrayList;
import java.util.List;

/**
 * The heuristic outcomes of one completion, and the exception they add up to (Geronimo's
 * HeuristicTest matrix): all branches heuristically rolled back while the decision was commit ⇒
 * {@link HeuristicRollbackException}; any mix with committed branches, any {@code XA_HEURMIX} or
 * {@code XA_HEURHAZ} ⇒ {@link HeuristicMixedException}.
 */
final class Heuristics {
  /** Shared empty instance; never added to. */
  static final Heuristics NONE = new Heuristics();

  record Entry(Branch branch, BranchOutcome outcome, Throwable failure) {}

  final List<Entry> entries = new ArrayList<>(2);

  /** Branches of the same transaction that committed (or will, through recovery). */
  int committedBranches;

  /** The decision the heuristics contradict. */
  boolean decisionCommit = true;

  void add(Branch branch, BranchOutcome outcome, Throwable failure) {
    if (this == NONE) {
      throw new IllegalStateException("Heuristics.NONE is immutable");
    }
    entries.add(new Entry(branch, outcome, failure));
  }

  boolean any() {
    return !entries.isEmpty();
  }

  boolean allRolledBack() {
    if (committedBranches > 0 || entries.isEmpty()) {
      return false;
    }
    for (Entry entry : entries) {
      if (entry.outcome() != BranchOutcome.HEURISTIC_ROLLBACK) {
        return false;
      }
    }
    return true;
  }

  /** Throws the exception these outcomes of a commit decision amount to. */
  void raise(ConcordTransaction tx) throws HeuristicMixedException, HeuristicRollbackException {
    if (allRolledBack()) {
      HeuristicRollbackException e =
          new HeuristicRollbackException(
              "commit: every branch of "
                  + tx
                  + " was rolled back by its resource manager although the decision was commit: "
                  + describe());
      e.initCause(entries.get(0).failure());
      throw e;
    }
    throw mixed(tx, "commit");
  }

  HeuristicMixedException mixed(ConcordTransaction tx, String what) {
    HeuristicMixedException e =
        new HeuristicMixedException(
            what
                + ": "
                + tx
                + " ended with a heuristic outcome (some work may be committed and some rolled"
                + " back): "
                + describe()
                + "; recorded in the log until an operator forgets it");
    e.initCause(entries.get(0).failure());
    return e;
  }

  /** A commit that had to roll back, where some branch did not roll back. */
  HeuristicMixedException mixedOnRollback(ConcordTransaction tx) {
    return mixed(tx, "commit (rolled back)");
  }

  String describe() {
    StringBuilder text = new StringBuilder();
    for (Entry entry : entries) {
      if (!text.isEmpty()) {
        text.append("; ");
      }
      text.append(entry.branch().describe())
          .append(' ')
          .append(entry.branch().xid)
          .append(" → ")
          .append(entry.outcome())
          .append(" (")
          .append(XaErrorClassification.describe(entry.failure()))
          .append(')');
    }
    return text.toString();
  }
}
