package io.concord.xa;

import javax.transaction.xa.XAException;

/**
 * Classifies what an {@link javax.transaction.xa.XAResource} call threw, per phase, defensively
 * against the quirks of real drivers (reference jta-spec-and-drivers §3.5):
 *
 * <ul>
 *   <li>H2 and MariaDB Connector/J throw {@code XAException} with {@code errorCode 0} for SQL and
 *       socket errors, and H2 throws {@code NullPointerException} from {@code prepare}: in phase 1
 *       these count as {@code XAER_RMERR} (vote no, send rollback); in phase 2 as unknown.
 *   <li>{@code XAER_NOTA} answering a two-phase commit is ambiguous (MariaDB answers it from a
 *       session that does not own the branch; pgjdbc from a fresh connection after someone else
 *       completed it): unknown, for recovery to re-check with {@code recover()}.
 *   <li>pgjdbc 42.7.13 answers {@code XAER_RMERR} for a still-prepared branch after its backend was
 *       killed (pgjdbc#4438): in phase 2 this is unknown, never a heuristic.
 * </ul>
 *
 * Stateless; every method accepts any {@link Throwable} a driver may throw.
 */
public final class XaErrorClassification {

  private XaErrorClassification() {}

  /** The XA error code of {@code failure}, or 0 when it is not an {@link XAException}. */
  public static int errorCodeOf(Throwable failure) {
    return failure instanceof XAException xa ? xa.errorCode : 0;
  }

  /** True for {@code XA_RBBASE..XA_RBEND}: the resource manager rolled the branch back. */
  public static boolean isRollbackCode(int errorCode) {
    return errorCode >= XAException.XA_RBBASE && errorCode <= XAException.XA_RBEND;
  }

  /**
   * Classifies a failure of {@code end(TMSUCCESS)} right before prepare or one-phase commit: a
   * rollback code means the branch is gone; anything else is a failed branch (vote no).
   */
  public static BranchOutcome afterEnd(Throwable failure) {
    return isRollbackCode(errorCodeOf(failure)) ? BranchOutcome.ROLLED_BACK : BranchOutcome.FAILED;
  }

  /**
   * Classifies a failure of {@code prepare}: {@link BranchOutcome#ROLLED_BACK} for {@code XA_RB*}
   * and {@code XAER_NOTA} (the branch no longer exists), otherwise {@link BranchOutcome#FAILED}.
   * Either way the vote is "no".
   */
  public static BranchOutcome afterPrepare(Throwable failure) {
    int code = errorCodeOf(failure);
    if (isRollbackCode(code) || (failure instanceof XAException && code == XAException.XAER_NOTA)) {
      return BranchOutcome.ROLLED_BACK;
    }
    return BranchOutcome.FAILED;
  }

  /**
   * Classifies a failure of the phase-2 {@code commit(xid, false)} of a prepared branch. Only the
   * four heuristic codes and {@code XA_RB*} are definite; every other answer is {@link
   * BranchOutcome#UNKNOWN} and left to recovery with the decision still commit.
   */
  public static BranchOutcome afterTwoPhaseCommit(Throwable failure) {
    if (!(failure instanceof XAException xa)) {
      return BranchOutcome.UNKNOWN;
    }
    int code = xa.errorCode;
    if (isRollbackCode(code)) {
      return BranchOutcome.HEURISTIC_ROLLBACK;
    }
    return switch (code) {
      case XAException.XA_HEURCOM -> BranchOutcome.COMMITTED;
      case XAException.XA_HEURRB -> BranchOutcome.HEURISTIC_ROLLBACK;
      case XAException.XA_HEURMIX -> BranchOutcome.HEURISTIC_MIXED;
      case XAException.XA_HEURHAZ -> BranchOutcome.HEURISTIC_HAZARD;
      default -> BranchOutcome.UNKNOWN;
    };
  }

  /**
   * Classifies a failure of {@code commit(xid, true)} (one-phase). A branch that was never prepared
   * cannot be in doubt, so an ambiguous answer here is a hazard the caller must hear about: {@code
   * XA_RB*}, {@code XA_HEURRB} and {@code XAER_NOTA} mean rolled back; {@code XA_HEURCOM} means
   * committed; {@code XA_HEURMIX} mixed; everything else (connection loss, {@code XAER_RMERR} which
   * pgjdbc also reports for a killed backend, {@code errorCode 0}, runtime exceptions) is {@link
   * BranchOutcome#HEURISTIC_HAZARD}.
   */
  public static BranchOutcome afterOnePhaseCommit(Throwable failure) {
    if (!(failure instanceof XAException xa)) {
      return BranchOutcome.HEURISTIC_HAZARD;
    }
    int code = xa.errorCode;
    if (isRollbackCode(code)) {
      return BranchOutcome.ROLLED_BACK;
    }
    return switch (code) {
      case XAException.XA_HEURCOM -> BranchOutcome.COMMITTED;
      case XAException.XA_HEURRB, XAException.XAER_NOTA -> BranchOutcome.ROLLED_BACK;
      case XAException.XA_HEURMIX -> BranchOutcome.HEURISTIC_MIXED;
      default -> BranchOutcome.HEURISTIC_HAZARD;
    };
  }

  /**
   * Classifies a failure of {@code rollback(xid)}: {@code XA_RB*}, {@code XA_HEURRB} and {@code
   * XAER_NOTA} mean the branch is rolled back (or never existed); {@code XA_HEURCOM}, {@code
   * XA_HEURMIX} and {@code XA_HEURHAZ} are heuristics; everything else is {@link
   * BranchOutcome#UNKNOWN} (a prepared branch stays for recovery, which presumes abort).
   */
  public static BranchOutcome afterRollback(Throwable failure) {
    if (!(failure instanceof XAException xa)) {
      return BranchOutcome.UNKNOWN;
    }
    int code = xa.errorCode;
    if (isRollbackCode(code)) {
      return BranchOutcome.ROLLED_BACK;
    }
    return switch (code) {
      case XAException.XA_HEURRB, XAException.XAER_NOTA -> BranchOutcome.ROLLED_BACK;
      case XAException.XA_HEURCOM -> BranchOutcome.HEURISTIC_COMMIT;
      case XAException.XA_HEURMIX -> BranchOutcome.HEURISTIC_MIXED;
      case XAException.XA_HEURHAZ -> BranchOutcome.HEURISTIC_HAZARD;
      default -> BranchOutcome.UNKNOWN;
    };
  }

  /**
   * True when a heuristic answer must be followed by {@code forget(xid)} because it agrees with the
   * decision ({@code XA_HEURCOM} on commit, {@code XA_HEURRB} on rollback): the resource manager
   * keeps a heuristically completed branch until it is told to forget it.
   */
  public static boolean needsForget(Throwable failure, boolean decisionCommit) {
    int code = errorCodeOf(failure);
    return decisionCommit ? code == XAException.XA_HEURCOM : code == XAException.XA_HEURRB;
  }

  /** The symbolic name of an XA error or return code, e.g. {@code "XAER_RMFAIL(-7)"}. */
  public static String codeName(int code) {
    String name =
        switch (code) {
          case XAException.XA_RBROLLBACK -> "XA_RBROLLBACK";
          case XAException.XA_RBCOMMFAIL -> "XA_RBCOMMFAIL";
          case XAException.XA_RBDEADLOCK -> "XA_RBDEADLOCK";
          case XAException.XA_RBINTEGRITY -> "XA_RBINTEGRITY";
          case XAException.XA_RBOTHER -> "XA_RBOTHER";
          case XAException.XA_RBPROTO -> "XA_RBPROTO";
          case XAException.XA_RBTIMEOUT -> "XA_RBTIMEOUT";
          case XAException.XA_RBTRANSIENT -> "XA_RBTRANSIENT";
          case XAException.XA_NOMIGRATE -> "XA_NOMIGRATE";
          case XAException.XA_HEURHAZ -> "XA_HEURHAZ";
          case XAException.XA_HEURCOM -> "XA_HEURCOM";
          case XAException.XA_HEURRB -> "XA_HEURRB";
          case XAException.XA_HEURMIX -> "XA_HEURMIX";
          case XAException.XA_RETRY -> "XA_RETRY";
          case XAException.XA_RDONLY -> "XA_RDONLY";
          case 0 -> "no error code";
          case XAException.XAER_ASYNC -> "XAER_ASYNC";
          case XAException.XAER_RMERR -> "XAER_RMERR";
          case XAException.XAER_NOTA -> "XAER_NOTA";
          case XAException.XAER_INVAL -> "XAER_INVAL";
          case XAException.XAER_PROTO -> "XAER_PROTO";
          case XAException.XAER_RMFAIL -> "XAER_RMFAIL";
          case XAException.XAER_DUPID -> "XAER_DUPID";
          case XAException.XAER_OUTSIDE -> "XAER_OUTSIDE";
          default -> "unknown XA code";
        };
    return name + "(" + code + ")";
  }

  /**
   * A one-line description of a driver failure for messages: the XA code name for an {@link
   * XAException}, the class name otherwise, and the message.
   */
  public static String describe(Throwable failure) {
    String what =
        failure instanceof XAException xa
            ? "XAException " + codeName(xa.errorCode)
            : failure.getClass().getName();
    String message = failure.getMessage();
    return message == null || message.isBlank() ? what : what + ": " + message;
  }
}
