package io.concord.tm;

import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.xa.BranchOutcome;
import io.concord.xa.ConcordXid;
import io.concord.xa.XaErrorClassification;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.jboss.tm.LastResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One global transaction and its two-phase commit coordinator (DESIGN.md "The commit protocol").
 *
 * <p>Concurrency: enlistment, registration and state changes take the transaction's own lock (never
 * shared between transactions, so uncontended on the hot path). Completion is claimed once, under
 * the lock, by the application ({@code commit}/{@code rollback}) or by the timeout reaper; the
 * claiming thread then runs the protocol without holding the lock, so it may be any thread.
 */
final class ConcordTransaction implements Transaction {
  private static final Logger LOG = LoggerFactory.getLogger(ConcordTransaction.class);
  private static final Branch[] NO_BRANCHES = new Branch[0];

  private static final int NOT_COMPLETING = 0;
  private static final int BY_APPLICATION = 1;
  private static final int BY_TIMEOUT = 2;

  private final ConcordTransactionManager tm;
  final long counter;
  private final int timeoutSeconds;

  /** System.nanoTime() at which the timeout expires; meaningless when timeoutSeconds is 0. */
  final long deadlineNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private volatile int status = Status.STATUS_ACTIVE;

  // guarded by lock
  private int completion = NOT_COMPLETING;
  private boolean acknowledged;
  private Throwable rollbackReason;
  private ConcordXid firstXid;
  private Branch[] branches = NO_BRANCHES;
  private int branchCount;
  private Branch lastResource;
  private ArrayList<Synchronization> synchronizations;
  private ArrayList<Synchronization> interposed;
  private boolean interposedBeforeCompletionStarted;
  private HashMap<Object, Object> resources;

  private volatile boolean timedOut;

  ConcordTransaction(ConcordTransactionManager tm, long counter, int timeoutSeconds) {
    this.tm = tm;
    this.counter = counter;
    this.timeoutSeconds = timeoutSeconds;
    this.deadlineNanos =
        timeoutSeconds == 0 ? 0 : System.nanoTime() + timeoutSeconds * 1_000_000_000L;
  }

  // ---------------------------------------------------------------- identity

  /** The Xid of branch 1 (created on first use); its gtrid identifies the transaction. */
  ConcordXid globalXid() {
    lock.lock();
    try {
      return firstXidLocked();
    } finally {
      lock.unlock();
    }
  }

  private ConcordXid firstXidLocked() {
    if (firstXid == null) {
      firstXid = tm.xidFactory().create(counter, 1);
    }
    return firstXid;
  }

  boolean belongsTo(ConcordTransactionManager manager) {
    return tm == manager;
  }

  boolean hasTimeout() {
    return timeoutSeconds != 0;
  }

  int timeoutSeconds() {
    return timeoutSeconds;
  }

  long remainingMillis() {
    if (timeoutSeconds == 0) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L);
  }

  private boolean deadlinePassed() {
    return timeoutSeconds != 0 && System.nanoTime() - deadlineNanos >= 0;
  }

  /** Same global transaction ⇔ same object: a process has one object per transaction. */
  @Override
  public boolean equals(Object o) {
    return o == this;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(counter) ^ System.identityHashCode(tm);
  }

  @Override
  public String toString() {
    return "Transaction["
        + tm.nodeId()
        + ":"
        + tm.incarnation()
        + ":"
        + counter
        + ", "
        + statusName(status)
        + "]";
  }

  // ---------------------------------------------------------------- status

  @Override
  public int getStatus() {
    return status;
  }

  boolean isTimedOut() {
    return timedOut;
  }

  /** True once the application has ended the transaction (or saw its timeout). */
  boolean isEndedForApplication() {
    lock.lock();
    try {
      return completion == BY_APPLICATION || (completion == BY_TIMEOUT && acknowledged);
    } finally {
      lock.unlock();
    }
  }

  /** True when the timeout rolled it back and the application has not yet been told. */
  boolean isTimedOutUnacknowledged() {
    lock.lock();
    try {
      return completion == BY_TIMEOUT && !acknowledged;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void setRollbackOnly() {
    setRollbackOnly(null);
  }

  void setRollbackOnly(Throwable reason) {
    lock.lock();
    try {
      int s = status;
      if (s == Status.STATUS_ACTIVE) {
        status = Status.STATUS_MARKED_ROLLBACK;
        rollbackReason = reason;
      } else if (s == Status.STATUS_MARKED_ROLLBACK
          || s == Status.STATUS_ROLLING_BACK
          || (s == Status.STATUS_ROLLEDBACK && completion == BY_TIMEOUT)) {
        // already going to roll back: nothing to change
        if (rollbackReason == null) {
          rollbackReason = reason;
        }
      } else {
        throw new IllegalStateException(
            "setRollbackOnly: "
                + this
                + " is "
                + statusName(s)
                + "; only an active transaction can be marked");
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- enlistment

  @Override
  public boolean enlistResource(XAResource resource)
      throws RollbackException, IllegalStateException, SystemException {
    if (resource == null) {
      throw new SystemException("enlistResource(null): no XAResource given");
    }
    lock.lock();
    try {
      requireEnlistable("enlistResource");
      for (int i = 0; i < branchCount; i++) {
        Branch branch = branches[i];
        if (branch.resource == resource) {
          // Re-enlisting a delisted or suspended resource: the driver never saw the delist (no
          // driver honours TMSUSPEND/TMJOIN), so there is nothing to tell it.
          branch.association = Branch.ASSOCIATED;
          return true;
        }
      }
      if (resource instanceof LastResource && lastResource != null) {
        throw new SystemException(
            "enlistResource: "
                + this
                + " already has a last resource ("
                + lastResource.describe()
                + "); at most one non-XA resource can take part in a transaction");
      }
      ConcordXid xid =
          branchCount == 0 ? firstXidLocked() : firstXidLocked().withBranch(branchCount + 1);
      String name = ResourceName.of(resource);
      try {
        resource.start(xid, XAResource.TMNOFLAGS);
      } catch (XAException | RuntimeException e) {
        markRollbackOnlyLocked(e);
        SystemException failure =
            new SystemException(
                "enlistResource: XAResource.start failed on "
                    + ResourceName.describe(resource, name)
                    + " for "
                    + xid
                    + ": "
                    + XaErrorClassification.describe(e)
                    + "; the transaction is marked rollback-only");
        failure.errorCode = XaErrorClassification.errorCodeOf(e);
        failure.initCause(e);
        throw failure;
      }
      Branch branch = new Branch(resource, xid, name);
      if (branchCount == branches.length) {
        branches = Arrays.copyOf(branches, Math.max(4, branchCount * 2));
      }
      branches[branchCount++] = branch;
      if (branch.order == Branch.LAST) {
        lastResource = branch;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void requireEnlistable(String what) throws RollbackException {
    if (timedOut) {
      throw new RollbackException(
          what + ": " + this + " timed out after " + timeoutSeconds + " s and is rolled back");
    }
    int s = status;
    if (s == Status.STATUS_MARKED_ROLLBACK) {
      RollbackException e = new RollbackException(what + ": " + this + " is marked rollback-only");
      if (rollbackReason != null) {
        e.initCause(rollbackReason);
      }
      throw e;
    }
    if (s != Status.STATUS_ACTIVE) {
      throw new IllegalStateException(what + ": " + this + " is " + statusName(s) + ", not active");
    }
  }

  private void markRollbackOnlyLocked(Throwable reason) {
    if (status == Status.STATUS_ACTIVE) {
      status = Status.STATUS_MARKED_ROLLBACK;
    }
    if (rollbackReason == null) {
      rollbackReason = reason;
    }
  }

  @Override
  public boolean delistResource(XAResource resource, int flag)
      throws IllegalStateException, SystemException {
    if (resource == null) {
      throw new SystemException("delistResource(null): no XAResource given");
    }
    if (flag != XAResource.TMSUCCESS && flag != XAResource.TMSUSPEND && flag != XAResource.TMFAIL) {
      throw new SystemException(
          "delistResource: flag must be TMSUCCESS, TMSUSPEND or TMFAIL, got 0x"
              + Integer.toHexString(flag));
    }
    lock.lock();
    try {
      int s = status;
      if ((s != Status.STATUS_ACTIVE && s != Status.STATUS_MARKED_ROLLBACK) || timedOut) {
        throw new IllegalStateException(
            "delistResource: " + this + " is " + statusName(s) + ", not active");
      }
      Branch branch = null;
      for (int i = 0; i < branchCount; i++) {
        if (branches[i].resource == resource) {
          branch = branches[i];
          break;
        }
      }
      if (branch == null) {
        return false;
      }
      // The driver's end() is sent once, right before completion (JTA 1.2 requires the TM to end
      // every association then): drivers honour neither TMSUSPEND nor a later TMJOIN.
      switch (flag) {
        case XAResource.TMSUSPEND -> {
          if (branch.association == Branch.SUSPENDED) {
            throw new IllegalStateException(
                "delistResource(TMSUSPEND): " + branch.name + " is already suspended in " + this);
          }
          branch.association = Branch.SUSPENDED;
        }
        case XAResource.TMFAIL -> {
          branch.association = Branch.DELISTED;
          markRollbackOnlyLocked(
              new IllegalStateException(branch.describe() + " was delisted with TMFAIL"));
        }
        default -> branch.association = Branch.DELISTED;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- synchronizations

  @Override
  public void registerSynchronization(Synchronization sync)
      throws RollbackException, IllegalStateException, SystemException {
    if (sync == null) {
      throw new SystemException("registerSynchronization(null)");
    }
    lock.lock();
    try {
      requireEnlistable("registerSynchronization");
      if (interposedBeforeCompletionStarted) {
        throw new IllegalStateException(
            "registerSynchronization: the interposed beforeCompletion callbacks of "
                + this
                + " are running; a normal synchronization registered now would run out of order");
      }
      if (synchronizations == null) {
        synchronizations = new ArrayList<>(4);
      }
      synchronizations.add(sync);
    } finally {
      lock.unlock();
    }
  }

  void registerInterposedSynchronization(Synchronization sync) {
    if (sync == null) {
      throw new NullPointerException("registerInterposedSynchronization(null)");
    }
    lock.lock();
    try {
      int s = status;
      if ((s != Status.STATUS_ACTIVE && s != Status.STATUS_MARKED_ROLLBACK)
          || (timedOut && completion == BY_TIMEOUT)) {
        throw new IllegalStateException(
            "registerInterposedSynchronization: "
                + this
                + " is "
                + statusName(s)
                + "; two-phase commit processing has started or finished");
      }
      if (interposed == null) {
        interposed = new ArrayList<>(4);
      }
      interposed.add(sync);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- TSR resources

  Object getResource(Object key) {
    if (key == null) {
      throw new NullPointerException("getResource(null)");
    }
    lock.lock();
    try {
      requireResourceMapUsable("getResource");
      return resources == null ? null : resources.get(key);
    } finally {
      lock.unlock();
    }
  }

  void putResource(Object key, Object value) {
    if (key == null) {
      throw new NullPointerException("putResource(null, …)");
    }
    lock.lock();
    try {
      requireResourceMapUsable("putResource");
      if (resources == null) {
        resources = new HashMap<>(4);
      }
      resources.put(key, value);
    } finally {
      lock.unlock();
    }
  }

  private void requireResourceMapUsable(String what) {
    int s = status;
    if (s == Status.STATUS_COMMITTED
        || s == Status.STATUS_ROLLEDBACK
        || s == Status.STATUS_UNKNOWN
        || s == Status.STATUS_NO_TRANSACTION) {
      throw new IllegalStateException(what + ": " + this + " has completed");
    }
  }

  // ---------------------------------------------------------------- completion entry points

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    try {
      commitByApplication();
    } finally {
      tm.disassociateIfCurrent(this);
    }
  }

  @Override
  public void rollback() throws IllegalStateException, SystemException {
    try {
      rollbackByApplication();
    } finally {
      tm.disassociateIfCurrent(this);
    }
  }

  void commitByApplication()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SystemException {
    lock.lock();
    try {
      if (completion == BY_TIMEOUT) {
        if (acknowledged) {
          throw new IllegalStateException("commit: " + this + " has already completed");
        }
        acknowledged = true;
        throw timedOutException("commit");
      }
      if (completion == BY_APPLICATION) {
        throw new IllegalStateException("commit: " + this + " is completing or has completed");
      }
      completion = BY_APPLICATION;
      acknowledged = true;
    } finally {
      lock.unlock();
    }
    if (status == Status.STATUS_ACTIVE && !deadlinePassed()) {
      runBeforeCompletion();
    }
    boolean rollback;
    lock.lock();
    try {
      if (deadlinePassed() && status == Status.STATUS_ACTIVE) {
        timedOut = true;
        markRollbackOnlyLocked(null);
      }
      rollback = status != Status.STATUS_ACTIVE;
      if (!rollback) {
        status = branchCount <= 1 ? Status.STATUS_COMMITTING : Status.STATUS_PREPARING;
      }
    } finally {
      lock.unlock();
    }
    if (rollback) {
      Throwable reason = rollbackReason;
      Heuristics heuristics = rollbackAll();
      finish();
      if (heuristics.any()) {
        throw heuristics.mixedOnRollback(this);
      }
      if (timedOut) {
        throw timedOutException("commit");
      }
      RollbackException e =
          new RollbackException(
              "commit: "
                  + this
                  + " was marked rollback-only"
                  + (reason == null ? "" : " (" + reason + ")")
                  + " and has been rolled back");
      if (reason != null) {
        e.initCause(reason);
      }
      throw e;
    }
    // The protocol; finish() runs on every path, exceptions included.
    try {
      if (branchCount <= 1) {
        onePhase();
      } else {
        twoPhase();
      }
    } finally {
      finish();
    }
  }

  private RollbackException timedOutException(String what) {
    return new RollbackException(
        what + ": " + this + " timed out after " + timeoutSeconds + " s and was rolled back");
  }

  void rollbackByApplication() throws SystemException {
    lock.lock();
    try {
      if (completion == BY_TIMEOUT && !acknowledged) {
        acknowledged = true; // the reaper already rolled it back: what the caller asked for
        return;
      }
      if (completion != NOT_COMPLETING) {
        throw new IllegalStateException("rollback: " + this + " is completing or has completed");
      }
      completion = BY_APPLICATION;
      acknowledged = true;
      status = Status.STATUS_ROLLING_BACK;
    } finally {
      lock.unlock();
    }
    Heuristics heuristics = rollbackAll();
    finish();
    if (heuristics.any()) {
      SystemException e =
          new SystemException(
              "rollback: " + this + " ended with heuristic outcomes: " + heuristics.describe());
      throw e;
    }
  }

  /**
   * Called by the reaper when the deadline passed: claims completion and rolls back, unless the
   * application is already completing (then it only marks rollback-only; commit checks again).
   *
   * @return false when the transaction's lock was busy (try again on the next tick)
   */
  boolean expire() {
    if (!lock.tryLock()) {
      return false;
    }
    try {
      if (completion == NOT_COMPLETING) {
        int s = status;
        if (s != Status.STATUS_ACTIVE && s != Status.STATUS_MARKED_ROLLBACK) {
          return true;
        }
        completion = BY_TIMEOUT;
        timedOut = true;
        status = Status.STATUS_ROLLING_BACK;
      } else {
        if (status == Status.STATUS_ACTIVE) {
          timedOut = true;
          markRollbackOnlyLocked(null);
        }
        return true;
      }
    } finally {
      lock.unlock();
    }
    LOG.warn(
        "{} timed out after {} s: rolling back its {} branch(es); the application's commit will"
            + " throw RollbackException",
        this,
        timeoutSeconds,
        branchCount);
    Heuristics heuristics = rollbackAll();
    finish();
    return true;
  }

  // ---------------------------------------------------------------- synchronization callbacks

  private void runBeforeCompletion() {
    // beforeCompletion runs "in the transaction context of the transaction being committed"
    // (JTA-SPEC), also when commit() was called on another thread.
    ConcordTransaction previous = tm.associateForCallback(this);
    try {
      for (int i = 0; ; i++) {
        Synchronization sync;
        lock.lock();
        try {
          if (synchronizations == null || i >= synchronizations.size()) {
            break;
          }
          sync = synchronizations.get(i);
        } finally {
          lock.unlock();
        }
        if (!callBeforeCompletion(sync)) {
          return;
        }
      }
      lock.lock();
      try {
        interposedBeforeCompletionStarted = true;
      } finally {
        lock.unlock();
      }
      for (int i = 0; ; i++) {
        Synchronization sync;
        lock.lock();
        try {
          if (interposed == null || i >= interposed.size()) {
            break;
          }
          sync = interposed.get(i);
        } finally {
          lock.unlock();
        }
        if (!callBeforeCompletion(sync)) {
          return;
        }
      }
    } finally {
      tm.restoreAfterCallback(previous);
    }
  }

  /** Returns false (and marks rollback-only) when the callback failed. */
  private boolean callBeforeCompletion(Synchronization sync) {
    try {
      sync.beforeCompletion();
      return status == Status.STATUS_ACTIVE;
    } catch (RuntimeException | Error e) {
      // JTA 1.1: an unchecked exception from a synchronization aborts the transaction.
      LOG.warn("beforeCompletion of {} failed in {}; rolling back", sync, this, e);
      lock.lock();
      try {
        markRollbackOnlyLocked(e);
        if (rollbackReason != e && rollbackReason != null) {
          rollbackReason.addSuppressed(e);
        }
      } finally {
        lock.unlock();
      }
      return false;
    }
  }

  private void runAfterCompletion(int finalStatus) {
    List<Synchronization> interposedCopy;
    List<Synchronization> normalCopy;
    lock.lock();
    try {
      interposedCopy = interposed == null ? List.of() : new ArrayList<>(interposed);
      normalCopy = synchronizations == null ? List.of() : new ArrayList<>(synchronizations);
    } finally {
      lock.unlock();
    }
    // Interposed first, then normal (TransactionSynchronizationRegistry javadoc).
    for (Synchronization sync : interposedCopy) {
      callAfterCompletion(sync, finalStatus);
    }
    for (Synchronization sync : normalCopy) {
      callAfterCompletion(sync, finalStatus);
    }
  }

  private void callAfterCompletion(Synchronization sync, int finalStatus) {
    try {
      sync.afterCompletion(finalStatus);
    } catch (RuntimeException | Error e) {
      // The outcome is decided; a failing callback cannot change it (Narayana and Geronimo agree).
      LOG.warn(
          "afterCompletion({}) of {} failed in {}; continuing",
          statusName(finalStatus),
          sync,
          this,
          e);
    }
  }

  /** Ends the transaction for good: in-flight removal, statistics, afterCompletion, cleanup. */
  private void finish() {
    int finalStatus = status;
    if (finalStatus != Status.STATUS_COMMITTED
        && finalStatus != Status.STATUS_ROLLEDBACK
        && finalStatus != Status.STATUS_UNKNOWN) {
      // an unexpected exception escaped the protocol: the outcome is whatever recovery finds
      LOG.error(
          "{} ended its completion in state {}; its outcome is left to recovery",
          this,
          statusName(finalStatus));
      status = finalStatus = Status.STATUS_UNKNOWN;
      tm.statistics().recordInDoubt();
    }
    tm.completed(this);
    runAfterCompletion(finalStatus);
    lock.lock();
    try {
      resources = null;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- the protocol

  /** No branch or one branch: nothing logged; the branch is committed one-phase. */
  private void onePhase()
      throws RollbackException, HeuristicMixedException, HeuristicRollbackException {
    if (branchCount == 0) {
      status = Status.STATUS_COMMITTED;
      tm.statistics().recordCommittedOnePhase();
      return;
    }
    Branch branch = branches[0];
    Throwable endFailure = end(branch, XAResource.TMSUCCESS);
    if (endFailure != null) {
      throw rollBackAfterFailure(branch, endFailure, "end(TMSUCCESS)");
    }
    try {
      branch.resource.commit(branch.xid, true);
      branch.state = Branch.COMMITTED;
    } catch (XAException | RuntimeException e) {
      BranchOutcome outcome = XaErrorClassification.afterOnePhaseCommit(e);
      switch (outcome) {
        case COMMITTED -> {
          forgetQuietly(branch);
          branch.state = Branch.COMMITTED;
        }
        case ROLLED_BACK -> {
          if (XaErrorClassification.needsForget(e, false)) {
            forgetQuietly(branch);
          }
          branch.state = Branch.ROLLED_BACK;
          status = Status.STATUS_ROLLEDBACK;
          tm.statistics().recordRolledBack(false);
          RollbackException failure =
              new RollbackException(
                  "commit: one-phase commit of "
                      + branch.describe()
                      + " for "
                      + branch.xid
                      + " was refused ("
                      + XaErrorClassification.describe(e)
                      + "); the transaction is rolled back");
          failure.initCause(e);
          throw failure;
        }
        default -> {
          Heuristics heuristics = new Heuristics();
          heuristics.add(branch, outcome, e);
          recordHeuristics(heuristics);
          status = Status.STATUS_COMMITTED;
          tm.statistics().recordHeuristic();
          throw heuristics.mixed(this, "one-phase commit");
        }
      }
    }
    status = Status.STATUS_COMMITTED;
    tm.statistics().recordCommittedOnePhase();
  }

  /** Sends end(flag) once; returns the failure, or null. */
  private Throwable end(Branch branch, int flag) {
    if (branch.ended) {
      return null;
    }
    branch.ended = true;
    try {
      branch.resource.end(branch.xid, flag);
      return null;
    } catch (XAException | RuntimeException e) {
      return e;
    }
  }

  /** A branch failed before or during prepare: roll everything back and build the exception. */
  private RollbackException rollBackAfterFailure(Branch failed, Throwable failure, String call)
      throws HeuristicMixedException {
    BranchOutcome outcome =
        call.startsWith("end")
            ? XaErrorClassification.afterEnd(failure)
            : XaErrorClassification.afterPrepare(failure);
    failed.state = outcome == BranchOutcome.ROLLED_BACK ? Branch.ROLLED_BACK : Branch.FAILED;
    status = Status.STATUS_ROLLING_BACK;
    Heuristics heuristics = rollbackAll();
    if (heuristics.any()) {
      // rollbackAll set the final status, counted and recorded the heuristic outcome
      throw heuristics.mixedOnRollback(this);
    }
    RollbackException e =
        new RollbackException(
            "commit: "
                + call
                + " failed on "
                + failed.describe()
                + " for "
                + failed.xid
                + " ("
                + XaErrorClassification.describe(failure)
                + "); every branch of the transaction is rolled back");
    e.initCause(failure);
    return e;
  }

  private void twoPhase()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SystemException {
    Branch[] all = branches;
    int n = branchCount;
    // End every association right before prepare (JTA 1.2), in completion order.
    for (int order = Branch.FIRST; order <= Branch.LAST; order++) {
      for (int i = 0; i < n; i++) {
        Branch branch = all[i];
        if (branch.order == order) {
          Throwable failure = end(branch, XAResource.TMSUCCESS);
          if (failure != null) {
            throw rollBackAfterFailure(branch, failure, "end(TMSUCCESS)");
          }
        }
      }
    }
    // Phase 1: FirstResources, then ordinary resources; the last resource is never prepared.
    int prepared = 0;
    for (int order = Branch.FIRST; order <= Branch.ORDINARY; order++) {
      for (int i = 0; i < n; i++) {
        Branch branch = all[i];
        if (branch.order != order) {
          continue;
        }
        int vote;
        try {
          vote = branch.resource.prepare(branch.xid);
        } catch (XAException | RuntimeException e) {
          throw rollBackAfterFailure(branch, e, "prepare");
        }
        if (vote == XAResource.XA_RDONLY) {
          branch.state = Branch.READ_ONLY;
        } else {
          branch.state = Branch.PREPARED;
          prepared++;
        }
      }
    }
    Branch last = lastResource;
    if (last != null) {
      try {
        last.resource.commit(last.xid, true);
        last.state = Branch.COMMITTED;
      } catch (XAException | RuntimeException e) {
        handleLastResourceFailure(last, e, prepared);
      }
    }
    if (prepared == 0) {
      status = Status.STATUS_COMMITTED;
      if (last != null) {
        tm.statistics().recordCommittedOnePhase();
      } else {
        tm.statistics().recordCommittedReadOnly();
      }
      return;
    }
    status = Status.STATUS_PREPARED;
    byte[] gtrid = all[0].xid.getGlobalTransactionId();
    forceCommitRecord(gtrid, all, n, prepared);
    status = Status.STATUS_COMMITTING;
    // Phase 2, in the same order, each branch on the resource that prepared it.
    Heuristics heuristics = null;
    int unknown = 0;
    int committed = last != null && last.state == Branch.COMMITTED ? 1 : 0;
    for (int order = Branch.FIRST; order <= Branch.ORDINARY; order++) {
      for (int i = 0; i < n; i++) {
        Branch branch = all[i];
        if (branch.order != order || branch.state != Branch.PREPARED) {
          continue;
        }
        try {
          branch.resource.commit(branch.xid, false);
          branch.state = Branch.COMMITTED;
          committed++;
        } catch (XAException | RuntimeException e) {
          BranchOutcome outcome = XaErrorClassification.afterTwoPhaseCommit(e);
          if (outcome == BranchOutcome.COMMITTED) {
            forgetQuietly(branch);
            branch.state = Branch.COMMITTED;
            committed++;
          } else if (outcome == BranchOutcome.UNKNOWN) {
            branch.state = Branch.UNKNOWN;
            unknown++;
            LOG.warn(
                "commit of {} for {} answered {}; the decision stays commit and the recovery"
                    + " manager will finish this branch",
                branch.describe(),
                branch.xid,
                XaErrorClassification.describe(e));
          } else {
            branch.state = Branch.HEURISTIC;
            if (heuristics == null) {
              heuristics = new Heuristics();
            }
            heuristics.add(branch, outcome, e);
          }
        }
      }
    }
    if (heuristics != null) {
      heuristics.committedBranches = committed + unknown;
      recordHeuristics(heuristics);
    }
    if (unknown == 0) {
      // Every branch is confirmed (committed, or its heuristic is recorded): recovery has nothing
      // left to do for this COMMIT record. END need not be forced.
      try {
        tm.decisionLog().appendEnd(gtrid);
      } catch (LogException | RuntimeException e) {
        LOG.warn(
            "could not append END for {} ({}); recovery will find its branches completed and end"
                + " it later",
            this,
            e.toString());
      }
    }
    if (heuristics != null) {
      status = heuristics.allRolledBack() ? Status.STATUS_ROLLEDBACK : Status.STATUS_COMMITTED;
      tm.statistics().recordHeuristic();
      heuristics.raise(this);
    }
    status = Status.STATUS_COMMITTED;
    tm.statistics().recordCommittedTwoPhase();
  }

  private void forceCommitRecord(byte[] gtrid, Branch[] all, int n, int prepared)
      throws SystemException {
    BranchRecord[] records = new BranchRecord[prepared];
    int k = 0;
    for (int order = Branch.FIRST; order <= Branch.ORDINARY; order++) {
      for (int i = 0; i < n; i++) {
        Branch branch = all[i];
        if (branch.order == order && branch.state == Branch.PREPARED) {
          records[k++] = tm.branchRecords().of(branch.name, branch.xid);
        }
      }
    }
    try {
      tm.decisionLog()
          .appendCommit(
              new CommitRecord(gtrid, Arrays.asList(records), System.currentTimeMillis()));
    } catch (LogException | RuntimeException e) {
      // The decision may or may not be on disk. Rolling back now could contradict a COMMIT record
      // that did reach the disk, so every prepared branch stays in doubt: recovery after a restart
      // commits them if the record is there and rolls them back (presumed abort) if not.
      status = Status.STATUS_UNKNOWN;
      tm.statistics().recordInDoubt();
      SystemException failure =
          new SystemException(
              "commit: the COMMIT record of "
                  + this
                  + " could not be forced to the log ("
                  + e
                  + "); its "
                  + prepared
                  + " prepared branch(es) stay in doubt until recovery, which commits them if the"
                  + " record reached the disk and rolls them back otherwise");
      failure.initCause(e);
      throw failure;
    }
  }

  private void handleLastResourceFailure(Branch last, Throwable e, int prepared)
      throws RollbackException, HeuristicMixedException, SystemException {
    BranchOutcome outcome = XaErrorClassification.afterOnePhaseCommit(e);
    if (outcome == BranchOutcome.COMMITTED) {
      forgetQuietly(last);
      last.state = Branch.COMMITTED;
      return;
    }
    if (outcome == BranchOutcome.ROLLED_BACK) {
      last.state = Branch.ROLLED_BACK;
      status = Status.STATUS_ROLLING_BACK;
      Heuristics heuristics = rollbackAll();
      if (heuristics.any()) {
        throw heuristics.mixedOnRollback(this);
      }
      RollbackException failure =
          new RollbackException(
              "commit: the last resource "
                  + last.describe()
                  + " refused its one-phase commit ("
                  + XaErrorClassification.describe(e)
                  + "); every branch is rolled back");
      failure.initCause(e);
      throw failure;
    }
    // Ambiguous: the last resource may have committed. With prepared XA branches, leave them in
    // doubt: recovery commits them if the last resource's commit marker exists, else rolls back.
    last.state = Branch.UNKNOWN;
    if (prepared == 0) {
      Heuristics heuristics = new Heuristics();
      heuristics.add(last, outcome, e);
      recordHeuristics(heuristics);
      status = Status.STATUS_COMMITTED;
      tm.statistics().recordHeuristic();
      throw heuristics.mixed(this, "last resource commit");
    }
    status = Status.STATUS_UNKNOWN;
    tm.statistics().recordInDoubt();
    SystemException failure =
        new SystemException(
            "commit: the one-phase commit of the last resource "
                + last.describe()
                + " answered ambiguously ("
                + XaErrorClassification.describe(e)
                + "); its "
                + prepared
                + " prepared XA branch(es) stay in doubt for recovery, which commits them if the"
                + " last resource's commit marker exists and rolls them back otherwise");
    failure.initCause(e);
    throw failure;
  }

  /**
   * Rolls back every branch that may still hold work (end(TMFAIL) first where end was not sent),
   * sets the final status and returns the heuristic outcomes seen (recorded in the log already).
   */
  private Heuristics rollbackAll() {
    boolean byTimeout = timedOut;
    status = Status.STATUS_ROLLING_BACK;
    Heuristics heuristics = Heuristics.NONE;
    for (int i = 0; i < branchCount; i++) {
      Branch branch = branches[i];
      int s = branch.state;
      if (s == Branch.ROLLED_BACK || s == Branch.READ_ONLY || s == Branch.COMMITTED) {
        continue;
      }
      Throwable endFailure = end(branch, XAResource.TMFAIL);
      if (endFailure != null
          && XaErrorClassification.afterEnd(endFailure) == BranchOutcome.ROLLED_BACK) {
        branch.state = Branch.ROLLED_BACK;
        continue;
      }
      try {
        branch.resource.rollback(branch.xid);
        branch.state = Branch.ROLLED_BACK;
      } catch (XAException | RuntimeException e) {
        BranchOutcome outcome = XaErrorClassification.afterRollback(e);
        if (outcome == BranchOutcome.ROLLED_BACK) {
          if (XaErrorClassification.needsForget(e, false)) {
            forgetQuietly(branch);
          }
          branch.state = Branch.ROLLED_BACK;
        } else if (outcome == BranchOutcome.UNKNOWN) {
          branch.state = Branch.UNKNOWN;
          LOG.warn(
              "rollback of {} for {} answered {}; if the branch is prepared, the recovery manager"
                  + " rolls it back (no COMMIT record: presumed abort)",
              branch.describe(),
              branch.xid,
              XaErrorClassification.describe(e));
        } else {
          branch.state = Branch.HEURISTIC;
          if (heuristics == Heuristics.NONE) {
            heuristics = new Heuristics();
            heuristics.decisionCommit = false;
          }
          heuristics.add(branch, outcome, e);
        }
      }
    }
    if (heuristics.any()) {
      recordHeuristics(heuristics);
      status = Status.STATUS_ROLLEDBACK;
      tm.statistics().recordHeuristic();
    } else {
      status = Status.STATUS_ROLLEDBACK;
      tm.statistics().recordRolledBack(byTimeout);
    }
    return heuristics;
  }

  private void forgetQuietly(Branch branch) {
    try {
      branch.resource.forget(branch.xid);
    } catch (XAException | RuntimeException e) {
      LOG.debug(
          "forget of {} for {} failed: {}",
          branch.name,
          branch.xid,
          XaErrorClassification.describe(e));
    }
  }

  private void recordHeuristics(Heuristics heuristics) {
    long now = System.currentTimeMillis();
    for (Heuristics.Entry entry : heuristics.entries) {
      Branch branch = entry.branch();
      HeuristicOutcome outcome =
          switch (entry.outcome()) {
            case HEURISTIC_ROLLBACK, ROLLED_BACK -> HeuristicOutcome.ROLLED_BACK;
            case HEURISTIC_COMMIT, COMMITTED -> HeuristicOutcome.COMMITTED;
            case HEURISTIC_MIXED -> HeuristicOutcome.MIXED;
            default -> HeuristicOutcome.HAZARD;
          };
      String detail =
          truncate(
              branch.describe() + ": " + XaErrorClassification.describe(entry.failure()), 4000);
      LOG.error(
          "heuristic outcome {} on {} for {} ({}); recorded in the log until an operator forgets it",
          outcome,
          branch.describe(),
          branch.xid,
          XaErrorClassification.describe(entry.failure()));
      try {
        tm.decisionLog()
            .appendHeuristic(
                new HeuristicRecord(
                    branch.xid.getGlobalTransactionId(),
                    tm.branchRecords().of(branch.name, branch.xid),
                    outcome,
                    now,
                    detail));
      } catch (LogException | RuntimeException e) {
        LOG.error(
            "could not record the heuristic outcome of {} for {} in the log: {}",
            branch.name,
            branch.xid,
            e.toString());
      }
    }
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  // ---------------------------------------------------------------- for the manager and recovery

  /** The Xid of every branch (empty when nothing was enlisted). */
  List<ConcordXid> branchXids() {
    lock.lock();
    try {
      List<ConcordXid> xids = new ArrayList<>(branchCount);
      for (int i = 0; i < branchCount; i++) {
        xids.add(branches[i].xid);
      }
      return xids;
    } finally {
      lock.unlock();
    }
  }

  /** True when {@code gtrid} is this transaction's (only possible once a branch exists). */
  boolean hasGtrid(byte[] gtrid) {
    lock.lock();
    try {
      return firstXid != null && firstXid.hasGtrid(gtrid);
    } finally {
      lock.unlock();
    }
  }

  static String statusName(int status) {
    return switch (status) {
      case Status.STATUS_ACTIVE -> "ACTIVE";
      case Status.STATUS_MARKED_ROLLBACK -> "MARKED_ROLLBACK";
      case Status.STATUS_PREPARED -> "PREPARED";
      case Status.STATUS_COMMITTED -> "COMMITTED";
      case Status.STATUS_ROLLEDBACK -> "ROLLEDBACK";
      case Status.STATUS_UNKNOWN -> "UNKNOWN";
      case Status.STATUS_NO_TRANSACTION -> "NO_TRANSACTION";
      case Status.STATUS_PREPARING -> "PREPARING";
      case Status.STATUS_COMMITTING -> "COMMITTING";
      case Status.STATUS_ROLLING_BACK -> "ROLLING_BACK";
      default -> "status " + status;
    };
  }
}
