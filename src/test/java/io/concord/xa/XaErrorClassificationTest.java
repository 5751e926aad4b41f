package io.concord.xa;

import static io.concord.xa.BranchOutcome.COMMITTED;
import static io.concord.xa.BranchOutcome.FAILED;
import static io.concord.xa.BranchOutcome.HEURISTIC_COMMIT;
import static io.concord.xa.BranchOutcome.HEURISTIC_HAZARD;
import static io.concord.xa.BranchOutcome.HEURISTIC_MIXED;
import static io.concord.xa.BranchOutcome.HEURISTIC_ROLLBACK;
import static io.concord.xa.BranchOutcome.ROLLED_BACK;
import static io.concord.xa.BranchOutcome.UNKNOWN;
import static javax.transaction.xa.XAException.XAER_INVAL;
import static javax.transaction.xa.XAException.XAER_NOTA;
import static javax.transaction.xa.XAException.XAER_PROTO;
import static javax.transaction.xa.XAException.XAER_RMERR;
import static javax.transaction.xa.XAException.XAER_RMFAIL;
import static javax.transaction.xa.XAException.XA_HEURCOM;
import static javax.transaction.xa.XAException.XA_HEURHAZ;
import static javax.transaction.xa.XAException.XA_HEURMIX;
import static javax.transaction.xa.XAException.XA_HEURRB;
import static javax.transaction.xa.XAException.XA_RBINTEGRITY;
import static javax.transaction.xa.XAException.XA_RBROLLBACK;
import static javax.transaction.xa.XAException.XA_RETRY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.Test;

/** The classification table of docs/tm.md, row by row (reference §3.5 and §1.12). */
class XaErrorClassificationTest {

  private static XAException xa(int code) {
    return new XAException(code);
  }

  /** H2 and MariaDB: XAException(String) leaves errorCode 0. */
  private static final XAException CODE_ZERO = new XAException("Socket error");

  private static final RuntimeException NPE = new NullPointerException();

  private static void check(Function<Throwable, BranchOutcome> f, Throwable t, BranchOutcome o) {
    assertThat(f.apply(t)).as(XaErrorClassification.describe(t)).isEqualTo(o);
  }

  @Test
  void prepare() {
    Function<Throwable, BranchOutcome> f = XaErrorClassification::afterPrepare;
    check(f, xa(XA_RBROLLBACK), ROLLED_BACK);
    check(f, xa(XA_RBINTEGRITY), ROLLED_BACK); // pgjdbc deferred FK
    check(f, xa(XAER_NOTA), ROLLED_BACK);
    check(f, xa(XAER_RMERR), FAILED);
    check(f, xa(XAER_RMFAIL), FAILED); // MariaDB prepare on a non-owner connection
    check(f, xa(XAER_PROTO), FAILED);
    check(f, CODE_ZERO, FAILED); // H2: errorCode 0 counts as RMERR
    check(f, NPE, FAILED); // H2: NPE from prepare on another connection
    check(f, xa(XA_HEURHAZ), FAILED);
  }

  @Test
  void twoPhaseCommit() {
    Function<Throwable, BranchOutcome> f = XaErrorClassification::afterTwoPhaseCommit;
    check(f, xa(XAER_RMFAIL), UNKNOWN);
    check(f, xa(XA_RETRY), UNKNOWN);
    check(f, xa(XAER_NOTA), UNKNOWN); // MariaDB non-owner session; ambiguous
    check(f, xa(XAER_RMERR), UNKNOWN); // pgjdbc 42.7.13 after pg_terminate_backend
    check(f, xa(XAER_PROTO), UNKNOWN);
    check(f, xa(XAER_INVAL), UNKNOWN);
    check(f, CODE_ZERO, UNKNOWN); // MariaDB socket error after KILL
    check(f, NPE, UNKNOWN);
    check(f, xa(XA_HEURCOM), COMMITTED);
    check(f, xa(XA_HEURRB), HEURISTIC_ROLLBACK);
    check(f, xa(XA_RBROLLBACK), HEURISTIC_ROLLBACK);
    check(f, xa(XA_HEURMIX), HEURISTIC_MIXED);
    check(f, xa(XA_HEURHAZ), HEURISTIC_HAZARD);
  }

  @Test
  void onePhaseCommit() {
    Function<Throwable, BranchOutcome> f = XaErrorClassification::afterOnePhaseCommit;
    check(f, xa(XA_RBROLLBACK), ROLLED_BACK);
    check(f, xa(XA_HEURRB), ROLLED_BACK);
    check(f, xa(XAER_NOTA), ROLLED_BACK);
    check(f, xa(XA_HEURCOM), COMMITTED);
    check(f, xa(XA_HEURMIX), HEURISTIC_MIXED);
    check(f, xa(XAER_RMFAIL), HEURISTIC_HAZARD);
    check(f, xa(XAER_RMERR), HEURISTIC_HAZARD);
    check(f, CODE_ZERO, HEURISTIC_HAZARD);
    check(f, NPE, HEURISTIC_HAZARD);
  }

  @Test
  void rollback() {
    Function<Throwable, BranchOutcome> f = XaErrorClassification::afterRollback;
    check(f, xa(XAER_NOTA), ROLLED_BACK);
    check(f, xa(XA_RBROLLBACK), ROLLED_BACK);
    check(f, xa(XA_HEURRB), ROLLED_BACK);
    check(f, xa(XA_HEURCOM), HEURISTIC_COMMIT);
    check(f, xa(XA_HEURMIX), HEURISTIC_MIXED);
    check(f, xa(XA_HEURHAZ), HEURISTIC_HAZARD);
    check(f, xa(XAER_RMFAIL), UNKNOWN);
    check(f, xa(XAER_RMERR), UNKNOWN); // pgjdbc <= 42.7.12 after a failed prepare
    check(f, CODE_ZERO, UNKNOWN);
    check(f, NPE, UNKNOWN);
  }

  @Test
  void endAndForgetAndNames() {
    assertThat(XaErrorClassification.afterEnd(xa(XA_RBROLLBACK))).isEqualTo(ROLLED_BACK);
    assertThat(XaErrorClassification.afterEnd(xa(XAER_RMFAIL))).isEqualTo(FAILED);
    assertThat(XaErrorClassification.needsForget(xa(XA_HEURCOM), true)).isTrue();
    assertThat(XaErrorClassification.needsForget(xa(XA_HEURRB), true)).isFalse();
    assertThat(XaErrorClassification.needsForget(xa(XA_HEURRB), false)).isTrue();
    assertThat(XaErrorClassification.codeName(XAER_RMFAIL)).isEqualTo("XAER_RMFAIL(-7)");
    assertThat(XaErrorClassification.describe(CODE_ZERO))
        .isEqualTo("XAException no error code(0): Socket error");
    assertThat(XaErrorClassification.describe(NPE)).isEqualTo("java.lang.NullPointerException");
    assertThat(HEURISTIC_HAZARD.isHeuristic()).isTrue();
    assertThat(UNKNOWN.isHeuristic()).isFalse();
    assertThat(XaErrorClassification.errorCodeOf(NPE)).isZero();
  }
}
