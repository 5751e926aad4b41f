package io.concord.recovery;

import io.concord.log.BranchRecord;
import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.TransactionLog;
import io.concord.recovery.RecoveryReport.Reason;
import io.concord.recovery.ResourceSession.Answer;
import io.concord.recovery.ResourceSession.Attempt;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.transaction.xa.Xid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes one pass's batch on one {@link ResourceSession}: every call once, then one listing;
 * what is still listed is retried one by one, each right after a fresh listing (H2 rolls back one
 * orphan per listing). Batches of different sessions run in parallel, so everything a batch finds
 * is kept here and merged into the pass afterwards.
 */
final class SessionCompletion implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionCompletion.class);

  /** Up to this many branches per database, each completed branch gets its own INFO line. */
  private static final int DETAILED_BATCH = 100;

  /** A branch recovery decided to complete. */
  record Action(XidKey key, Xid xid, boolean commit, ResourceSession session, String why) {}

  /** The verified result of an action. */
  enum Result {
    DONE,
    HEURISTIC,
    FAILED
  }

  private final TransactionLog log;
  private final ResourceSession session;
  private final List<Action> batch;

  final Map<XidKey, Result> results = new HashMap<>();
  final List<RecoveryReport.Branch> committed = new ArrayList<>();
  final List<RecoveryReport.Branch> rolledBack = new ArrayList<>();
  final List<XidKey> rolledBackKeys = new ArrayList<>();
  final List<RecoveryReport.LeftAlone> leftAlone = new ArrayList<>();
  final List<RecoveryReport.Heuristic> newHeuristics = new ArrayList<>();
  final List<String> errors = new ArrayList<>();

  /** Set when the session failed while completing: the resource is unreachable now. */
  RecoveryReport.Unreachable lost;

  SessionCompletion(TransactionLog log, ResourceSession session, List<Action> batch) {
    this.log = log;
    this.session = session;
    this.batch = batch;
  }

  ResourceSession session() {
    return session;
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    try {
      complete();
      LOG.info(
          "recovery completed {} branch(es) on {} in {} ms ({} committed, {} rolled back, {} left)",
          batch.size(),
          session.describe(),
          (System.nanoTime() - start) / 1_000_000,
          committed.size(),
          rolledBack.size(),
          batch.size() - committed.size() - rolledBack.size());
    } catch (RuntimeException e) {
      // a bug or a driver surprise must not lose the other sessions' work: report, leave in doubt
      errors.add(session.describe() + ": completing failed unexpectedly: " + e);
      LOG.error("recovery: completing on {} failed unexpectedly", session.describe(), e);
      for (Action a : batch) {
        results.putIfAbsent(a.key(), Result.FAILED);
      }
    }
  }

  private void complete() {
    Map<XidKey, Attempt> last = new HashMap<>();
    List<Action> toVerify = new ArrayList<>();
    for (Action a : batch) {
      Attempt attempt = attempt(a);
      last.put(a.key(), attempt);
      if (attempt.answer() == Answer.HEURISTIC) {
        results.put(a.key(), heuristic(a, attempt));
      } else {
        toVerify.add(a);
      }
    }
    if (toVerify.isEmpty()) {
      return;
    }
    Map<XidKey, Xid> listed;
    try {
      listed = session.list();
    } catch (RecoveryFailure f) {
      unverifiable(toVerify, last, f);
      return;
    }
    List<Action> stuck = new ArrayList<>();
    for (Action a : toVerify) {
      if (listed.containsKey(a.key())) {
        stuck.add(a);
      } else {
        done(a, last.get(a.key()));
      }
    }
    if (stuck.isEmpty()) {
      return;
    }
    List<Action> retried = new ArrayList<>();
    for (int i = 0; i < stuck.size(); i++) {
      Action a = stuck.get(i);
      try {
        if (i > 0) {
          listed = session.list();
        }
      } catch (RecoveryFailure f) {
        unverifiable(stuck.subList(i, stuck.size()), last, f);
        return;
      }
      if (!listed.containsKey(a.key())) {
        done(a, last.get(a.key()));
        continue;
      }
      Attempt again = attempt(a);
      last.put(a.key(), again);
      if (again.answer() == Answer.HEURISTIC) {
        results.put(a.key(), heuristic(a, again));
      } else {
        retried.add(a);
      }
    }
    if (retried.isEmpty()) {
      return;
    }
    try {
      listed = session.list();
    } catch (RecoveryFailure f) {
      unverifiable(retried, last, f);
      return;
    }
    for (Action a : retried) {
      if (!listed.containsKey(a.key())) {
        done(a, last.get(a.key()));
        continue;
      }
      results.put(a.key(), Result.FAILED);
      leftAlone.add(
          RecoveryPass.left(
              session, a.xid(), Reason.RETRY, verb(a) + " " + last.get(a.key()).describe()));
      LOG.warn(
          "recovery could not {} {} on {}: {}; still in doubt, retried on the next pass",
          verb(a),
          RecoveryPass.readable(a.xid()),
          session.describe(),
          last.get(a.key()).describe());
    }
  }

  private Attempt attempt(Action a) {
    return a.commit() ? session.commit(a.xid()) : session.rollback(a.xid());
  }

  private static String verb(Action a) {
    return a.commit() ? "commit" : "roll back";
  }

  private void done(Action a, Attempt attempt) {
    results.put(a.key(), Result.DONE);
    String detail = a.why();
    if (attempt.answer() == Answer.READ_ONLY_GONE) {
      detail += "; " + attempt.describe() + ": a read-only MariaDB branch, nothing to commit";
    } else if (attempt.failure() != null) {
      detail += "; no longer in doubt after " + attempt.describe();
    }
    if (attempt.forget()) {
      session.forget(a.xid());
    }
    RecoveryReport.Branch branch =
        new RecoveryReport.Branch(
            session.name(), RecoveryPass.readable(a.xid()), RecoveryPass.gtridHex(a.xid()), detail);
    if (a.commit()) {
      committed.add(branch);
    } else {
      rolledBack.add(branch);
      rolledBackKeys.add(a.key());
    }
    if (batch.size() <= DETAILED_BATCH || LOG.isDebugEnabled()) {
      // a big batch (thousands after a long outage) is summarised in one line per database
      LOG.atLevel(
              batch.size() <= DETAILED_BATCH
                  ? org.slf4j.event.Level.INFO
                  : org.slf4j.event.Level.DEBUG)
          .log(
              "recovery {} {} on {} ({})",
              a.commit() ? "committed" : "rolled back",
              RecoveryPass.readable(a.xid()),
              session.describe(),
              detail);
    }
  }

  private void unverifiable(List<Action> actions, Map<XidKey, Attempt> last, RecoveryFailure f) {
    lost = new RecoveryReport.Unreachable(session.describe(), f.getMessage());
    for (Action a : actions) {
      results.put(a.key(), Result.FAILED);
      Attempt attempt = last.get(a.key());
      leftAlone.add(
          RecoveryPass.left(
              session,
              a.xid(),
              Reason.RETRY,
              verb(a) + " " + (attempt == null ? "not attempted" : attempt.describe())));
    }
  }

  /** Logs a heuristic outcome (forced) and only then lets the resource manager forget it. */
  private Result heuristic(Action a, Attempt attempt) {
    HeuristicOutcome outcome = attempt.outcome();
    String detail =
        (a.commit() ? "commit" : "rollback")
            + " ("
            + a.why()
            + ") answered "
            + attempt.describe()
            + " on "
            + session.describe();
    HeuristicRecord record =
        new HeuristicRecord(
            a.xid().getGlobalTransactionId(),
            new BranchRecord(session.name(), a.xid().getBranchQualifier()),
            outcome,
            System.currentTimeMillis(),
            detail);
    try {
      log.appendHeuristic(record);
    } catch (LogException | RuntimeException e) {
      errors.add(
          "heuristic outcome of "
              + RecoveryPass.readable(a.xid())
              + " could not be logged ("
              + e.getMessage()
              + "); the resource keeps it: "
              + detail);
      leftAlone.add(RecoveryPass.left(session, a.xid(), Reason.RETRY, detail));
      return Result.FAILED;
    }
    newHeuristics.add(RecoveryReport.Heuristic.of(record));
    LOG.error("HEURISTIC {} for {}: {}", outcome, RecoveryPass.readable(a.xid()), detail);
    if (attempt.forget()) {
      session.forget(a.xid());
    }
    return Result.HEURISTIC;
  }
}
