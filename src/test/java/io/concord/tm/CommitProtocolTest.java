package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.log.CommitRecord;
import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import io.concord.xa.ConcordXid;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commit protocol of DESIGN.md, line by line, with recording resources: the exact XA calls for
 * each path, and what the log holds at each step.
 */
class CommitProtocolTest {
  private final TestTm t = TestTm.open();
  private final ConcordTransactionManager tm = t.tm;

  @AfterEach
  void close() {
    t.close();
  }

  private List<String> calls() {
    return t.journal.calls();
  }

  @Test
  void noBranchCommitsWithoutXaCallsOrLog() throws Exception {
    tm.begin();
    tm.commit();
    assertThat(calls()).isEmpty();
    assertThat(t.log.liveCommits()).isEmpty();
    assertThat(tm.statistics().committedOnePhase()).isEqualTo(1);
  }

  @Test
  void oneBranchIsCommittedOnePhaseAndNothingIsLogged() throws Exception {
    RecordingXAResource a = t.resource("a").on("commit(1pc)", xid -> assertNothingLogged());
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.commit();
    assertThat(calls()).containsExactly("a.start", "a.end(TMSUCCESS)", "a.commit(1pc)");
    assertThat(tm.statistics().committedOnePhase()).isEqualTo(1);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  /** END is not forced: it reaches the log's live state with the next batch (milliseconds). */
  private void awaitEnded() throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!t.log.liveCommits().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(t.log.liveCommits()).as("END appended").isEmpty();
  }

  private void assertNothingLogged() {
    assertThat(t.log.liveCommits()).isEmpty();
  }

  @Test
  void twoBranchesRunTwoPhaseCommitWithTheCommitRecordForcedBeforePhaseTwo() throws Exception {
    List<CommitRecord> seenAtPhaseTwo = new ArrayList<>();
    RecordingXAResource a =
        t.resource("a").on("commit", xid -> seenAtPhaseTwo.addAll(t.log.liveCommits()));
    RecordingXAResource b = t.resource("b").on("prepare", xid -> assertNothingLogged());
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    tm.commit();

    assertThat(calls())
        .containsExactly(
            "a.start",
            "b.start",
            "a.end(TMSUCCESS)",
            "b.end(TMSUCCESS)",
            "a.prepare",
            "b.prepare",
            "a.commit",
            "b.commit");
    // The COMMIT record names the gtrid and both branches, and was there before phase 2.
    ConcordXid xa = a.lastXid();
    ConcordXid xb = b.lastXid();
    assertThat(seenAtPhaseTwo).hasSize(1);
    CommitRecord record = seenAtPhaseTwo.get(0);
    assertThat(xa.hasGtrid(record.gtrid())).isTrue();
    assertThat(record.branches())
        .extracting(r -> r.resourceName())
        .containsExactly("java:/test/a", "java:/test/b");
    assertThat(record.branches().get(0).bqual()).isEqualTo(xa.getBranchQualifier());
    assertThat(record.branches().get(1).bqual()).isEqualTo(xb.getBranchQualifier());
    // END once every branch is confirmed.
    awaitEnded();
    assertThat(tm.statistics().committedTwoPhase()).isEqualTo(1);
  }

  @Test
  void branchesShareTheGtridAndNumberTheirBqualsAndCarryNodeAndIncarnation() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.commit();
    ConcordXid xa = a.lastXid();
    ConcordXid xb = b.lastXid();
    assertThat(xa.sameGlobalTransaction(xb)).isTrue();
    assertThat(xa.branchNumber()).isEqualTo(1);
    assertThat(xb.branchNumber()).isEqualTo(2);
    assertThat(xa.nodeId()).isEqualTo(t.nodeId);
    assertThat(xa.incarnation()).isEqualTo(t.log.incarnation());
  }

  @Test
  void readOnlyVotesDropOutOfPhaseTwo() throws Exception {
    RecordingXAResource a = t.resource("a").voteReadOnly();
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.commit();
    assertThat(calls())
        .containsExactly(
            "a.start",
            "b.start",
            "a.end(TMSUCCESS)",
            "b.end(TMSUCCESS)",
            "a.prepare",
            "b.prepare",
            "b.commit");
    assertThat(tm.statistics().committedTwoPhase()).isEqualTo(1);
  }

  @Test
  void allReadOnlyCommitsWithoutLogAndWithoutPhaseTwo() throws Exception {
    RecordingXAResource a = t.resource("a").voteReadOnly();
    RecordingXAResource b =
        t.resource("b").voteReadOnly().on("prepare", xid -> assertNothingLogged());
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.commit();
    assertThat(calls())
        .containsExactly(
            "a.start", "b.start", "a.end(TMSUCCESS)", "b.end(TMSUCCESS)", "a.prepare", "b.prepare");
    assertThat(t.log.liveCommits()).isEmpty();
    assertThat(tm.statistics().committedReadOnly()).isEqualTo(1);
  }

  @Test
  void rollbackOnlyCommitRollsEveryBranchBackWithTmFail() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.setRollbackOnly();
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(calls())
        .containsExactly(
            "a.start", "b.start", "a.end(TMFAIL)", "a.rollback", "b.end(TMFAIL)", "b.rollback");
    assertThat(tm.statistics().rolledBack()).isEqualTo(1);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  @Test
  void explicitRollbackEndsWithTmFailAndRollsBack() throws Exception {
    RecordingXAResource a = t.resource("a");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.rollback();
    assertThat(calls()).containsExactly("a.start", "a.end(TMFAIL)", "a.rollback");
  }

  @Test
  void prepareFailureRollsBackEveryBranchAndThrowsRollbackExceptionWithTheCause() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b").failOn("prepare", XAException.XAER_RMERR);
    RecordingXAResource c = t.resource("c");
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    tx.enlistResource(c);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(RollbackException.class)
        .hasMessageContaining("java:/test/b")
        .hasMessageContaining("XAER_RMERR")
        .cause()
        .isInstanceOf(XAException.class);
    assertThat(calls())
        .containsExactly(
            "a.start",
            "b.start",
            "c.start",
            "a.end(TMSUCCESS)",
            "b.end(TMSUCCESS)",
            "c.end(TMSUCCESS)",
            "a.prepare",
            "b.prepare",
            "a.rollback",
            "b.rollback",
            "c.rollback");
    assertThat(t.log.liveCommits()).isEmpty();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
  }

  @Test
  void rollbackVoteNeedsNoRollbackOfThatBranch() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b").failOn("prepare", XAException.XA_RBINTEGRITY);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(calls())
        .containsExactly(
            "a.start",
            "b.start",
            "a.end(TMSUCCESS)",
            "b.end(TMSUCCESS)",
            "a.prepare",
            "b.prepare",
            "a.rollback");
  }

  @Test
  void h2StylePrepareFailuresCountAsNoVotes() throws Exception {
    // H2 throws NullPointerException from prepare, and XAException with errorCode 0
    for (Throwable failure : List.<Throwable>of(new NullPointerException(), new XAException("x"))) {
      t.journal.clear();
      RecordingXAResource a = t.resource("a");
      RecordingXAResource b = t.resource("b").failOn("prepare", failure);
      tm.begin();
      tm.getTransaction().enlistResource(a);
      tm.getTransaction().enlistResource(b);
      assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
      assertThat(calls()).endsWith("b.prepare", "a.rollback", "b.rollback");
    }
  }

  @Test
  void endFailureBeforePrepareRollsBack() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("end(TMSUCCESS)", XAException.XA_RBDEADLOCK);
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(calls())
        .containsExactly("a.start", "b.start", "a.end(TMSUCCESS)", "b.end(TMFAIL)", "b.rollback");
  }

  @Test
  void onePhaseCommitRefusedIsRollbackException() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("commit(1pc)", XAException.XA_RBROLLBACK);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(tm.statistics().rolledBack()).isEqualTo(1);
  }

  @Test
  void onePhaseCommitWithUnknownOutcomeIsReportedAsHeuristicHazard() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("commit(1pc)", XAException.XAER_RMFAIL);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(HeuristicMixedException.class)
        .hasMessageContaining("XAER_RMFAIL");
    assertThat(t.log.heuristics())
        .singleElement()
        .extracting(HeuristicRecord::outcome)
        .isEqualTo(HeuristicOutcome.HAZARD);
    assertThat(tm.statistics().heuristic()).isEqualTo(1);
  }

  @Test
  void firstResourceIsPreparedFirstAndLastResourceCommittedOnePhaseBeforeTheCommitRecord()
      throws Exception {
    List<CommitRecord> logAtLastCommit = new ArrayList<>();
    RecordingXAResource a = t.resource("a");
    RecordingXAResource last =
        new RecordingXAResource.Last("last", t.journal)
            .on("commit(1pc)", xid -> logAtLastCommit.addAll(t.log.liveCommits()));
    RecordingXAResource first = new RecordingXAResource.First("first", t.journal);
    List<CommitRecord> logAtPhaseTwo = new ArrayList<>();
    a.on("commit", xid -> logAtPhaseTwo.addAll(t.log.liveCommits()));
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(last);
    tx.enlistResource(a);
    tx.enlistResource(first);
    tm.commit();
    assertThat(calls())
        .containsExactly(
            "last.start",
            "a.start",
            "first.start",
            "first.end(TMSUCCESS)",
            "a.end(TMSUCCESS)",
            "last.end(TMSUCCESS)",
            "first.prepare",
            "a.prepare",
            "last.commit(1pc)",
            "first.commit",
            "a.commit");
    assertThat(logAtLastCommit).isEmpty();
    // the COMMIT record lists the prepared XA branches, the ones recovery may have to finish
    assertThat(logAtPhaseTwo)
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.branches())
                    .extracting(b -> b.resourceName())
                    .containsExactly("java:/test/first", "java:/test/a"));
  }

  @Test
  void lastResourceFailureRollsEverythingBack() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource last =
        new RecordingXAResource.Last("last", t.journal)
            .failOn("commit(1pc)", XAException.XA_RBOTHER);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(last);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(RollbackException.class)
        .hasMessageContaining("last resource");
    assertThat(calls())
        .containsExactly(
            "a.start",
            "last.start",
            "a.end(TMSUCCESS)",
            "last.end(TMSUCCESS)",
            "a.prepare",
            "last.commit(1pc)",
            "a.rollback");
    assertThat(t.log.liveCommits()).isEmpty();
  }

  @Test
  void lastResourceWithAmbiguousFailureLeavesPreparedBranchesToRecovery() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource last =
        new RecordingXAResource.Last("last", t.journal)
            .failOn("commit(1pc)", XAException.XAER_RMFAIL);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(last);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("in doubt");
    assertThat(calls()).endsWith("a.prepare", "last.commit(1pc)");
    assertThat(tm.statistics().inDoubt()).isEqualTo(1);
  }

  @Test
  void onlyOneLastResourcePerTransaction() throws Exception {
    tm.begin();
    tm.getTransaction().enlistResource(new RecordingXAResource.Last("l1", t.journal));
    assertThatThrownBy(
            () -> tm.getTransaction().enlistResource(new RecordingXAResource.Last("l2", t.journal)))
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("java:/test/l1");
    tm.rollback();
  }

  @Test
  void transientPhaseTwoFailuresStayWithRecoveryAndTheDecisionStaysCommit() throws Exception {
    int[] codes = {XAException.XAER_RMFAIL, XAException.XAER_NOTA, XAException.XAER_RMERR, 0};
    for (int code : codes) {
      RecordingXAResource a = t.resource("a");
      RecordingXAResource b = t.resource("b").failOn("commit", code);
      tm.begin();
      tm.getTransaction().enlistResource(a);
      tm.getTransaction().enlistResource(b);
      Transaction tx = tm.getTransaction();
      tm.commit(); // no heuristic exception: the decision is commit
      assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
      Thread.sleep(120); // an END, were one appended, would have reached the live state by now
      // no END: the COMMIT record stays live for the recovery manager
      assertThat(t.log.liveCommits())
          .anySatisfy(r -> assertThat(b.lastXid().hasGtrid(r.gtrid())).isTrue());
    }
    assertThat(t.log.heuristics()).isEmpty();
    assertThat(tm.statistics().committedTwoPhase()).isEqualTo(codes.length);
  }

  @Test
  void runtimeExceptionInPhaseTwoIsUnknownNotHeuristic() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("commit", new IllegalStateException("socket"));
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.commit();
    assertThat(calls()).endsWith("a.commit", "b.commit");
    assertThat(t.log.liveCommits()).hasSize(1);
  }

  @Test
  void heuristicCommitOnCommitIsForgottenAndCountsAsCommitted() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("commit", XAException.XA_HEURCOM);
    RecordingXAResource b = t.resource("b");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    tm.commit();
    assertThat(calls()).endsWith("a.commit", "a.forget", "b.commit");
    awaitEnded();
    assertThat(t.log.heuristics()).isEmpty();
  }

  @Test
  void heuristicRollbackInPhaseTwoIsLoggedReportedAndEnded() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b").failOn("commit", XAException.XA_HEURRB);
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().enlistResource(b);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(HeuristicMixedException.class)
        .hasMessageContaining("java:/test/b");
    // never forgotten by the TM: an operator resolves it
    assertThat(calls()).doesNotContain("b.forget");
    assertThat(t.log.heuristics())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.outcome()).isEqualTo(HeuristicOutcome.ROLLED_BACK);
              assertThat(h.branch().resourceName()).isEqualTo("java:/test/b");
              assertThat(h.detail()).contains("XA_HEURRB");
            });
    awaitEnded();
    assertThat(tm.statistics().heuristic()).isEqualTo(1);
  }

  @Test
  void logFailureAtTheCommitPointIsSystemExceptionAndLeavesBranchesPrepared() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    t.failCommitAppends = true;
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    assertThatThrownBy(tm::commit)
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("could not be forced");
    // no phase 2 and no rollback: recovery decides from whether the record reached the disk
    assertThat(calls()).endsWith("a.prepare", "b.prepare");
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_UNKNOWN);
    assertThat(tm.statistics().inDoubt()).isEqualTo(1);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  @Test
  void theTmNeverJoinsOrSuspendsOnTheDriver() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b"); // isSameRM(a) is true: must not matter
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    assertThat(tx.delistResource(a, XAResource.TMSUSPEND)).isTrue();
    Transaction suspended = tm.suspend();
    tm.resume(suspended);
    assertThat(tx.enlistResource(a)).isTrue(); // resume: no driver call
    assertThat(tx.delistResource(b, XAResource.TMSUCCESS)).isTrue();
    assertThat(tx.enlistResource(b)).isTrue(); // would be TMJOIN: no driver call
    tm.commit();
    assertThat(calls())
        .containsExactly(
            "a.start",
            "b.start",
            "a.end(TMSUCCESS)",
            "b.end(TMSUCCESS)",
            "a.prepare",
            "b.prepare",
            "a.commit",
            "b.commit");
    assertThat(a.xids).hasSize(1);
  }

  @Test
  void delistWithTmFailMarksRollbackOnly() throws Exception {
    RecordingXAResource a = t.resource("a");
    tm.begin();
    tm.getTransaction().enlistResource(a);
    tm.getTransaction().delistResource(a, XAResource.TMFAIL);
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(calls()).containsExactly("a.start", "a.end(TMFAIL)", "a.rollback");
  }

  @Test
  void startFailureMarksRollbackOnlyAndSaysWhy() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("start", XAException.XAER_RMFAIL);
    tm.begin();
    assertThatThrownBy(() -> tm.getTransaction().enlistResource(a))
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("java:/test/a")
        .hasMessageContaining("XAER_RMFAIL");
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
    tm.rollback();
    assertThat(calls()).containsExactly("a.start");
  }

  @Test
  void sqlExceptionDrivenRollbackOnlyFromAnotherComponentEndsInRollback() throws Exception {
    // the jdbc layer calls setRollbackOnly on the Transaction when a statement fails
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.begin();
    Transaction tx = tm.getTransaction();
    tx.enlistResource(a);
    tx.enlistResource(b);
    tx.setRollbackOnly();
    assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    assertThat(calls()).doesNotContain("a.prepare", "b.prepare", "a.commit", "b.commit");
  }

  @Test
  void statusWalksThroughPreparingPreparedCommittingAndRollingBack() throws Exception {
    List<String> seen = new ArrayList<>();
    tm.begin();
    Transaction tx = tm.getTransaction();
    RecordingXAResource a =
        t.resource("a")
            .on("prepare", x -> seen.add("prepare:" + statusOf(tx)))
            .on("commit", x -> seen.add("commit:" + statusOf(tx)));
    RecordingXAResource b = t.resource("b");
    tx.enlistResource(a);
    tx.enlistResource(b);
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
    tm.commit();
    assertThat(seen).containsExactly("prepare:PREPARING", "commit:COMMITTING");
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);

    seen.clear();
    tm.begin();
    Transaction one = tm.getTransaction();
    one.enlistResource(t.resource("c").on("commit(1pc)", x -> seen.add("1pc:" + statusOf(one))));
    tm.commit();
    tm.begin();
    Transaction rolled = tm.getTransaction();
    rolled.enlistResource(t.resource("d").on("rollback", x -> seen.add("rb:" + statusOf(rolled))));
    tm.rollback();
    assertThat(seen).containsExactly("1pc:COMMITTING", "rb:ROLLING_BACK");
    assertThat(rolled.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
  }

  private static String statusOf(Transaction tx) {
    try {
      return ConcordTransaction.statusName(tx.getStatus());
    } catch (SystemException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void severalThreadsMayBeAssociatedWithOneTransactionAtOnce() throws Exception {
    tm.begin();
    Transaction tx = tm.getTransaction();
    RecordingXAResource fromOther = t.resource("other");
    Throwable[] failure = new Throwable[1];
    Thread other =
        new Thread(
            () -> {
              try {
                tm.resume(tx); // while the first thread is still associated
                tm.getTransaction().enlistResource(fromOther);
                assertThat(tm.suspend()).isSameAs(tx);
              } catch (Throwable e) {
                failure[0] = e;
              }
            });
    other.start();
    other.join();
    assertThat(failure[0]).isNull();
    tx.enlistResource(t.resource("mine"));
    tm.commit();
    assertThat(calls()).endsWith("other.commit", "mine.commit");
  }

  @Test
  void transactionCanBeCompletedOnAnotherThread() throws Exception {
    RecordingXAResource a = t.resource("a");
    RecordingXAResource b = t.resource("b");
    tm.begin();
    Transaction tx = tm.suspend();
    tx.enlistResource(a);
    tx.enlistResource(b);
    Throwable[] failure = new Throwable[1];
    Thread other =
        new Thread(
            () -> {
              try {
                tx.commit();
              } catch (Throwable e) {
                failure[0] = e;
              }
            });
    other.start();
    other.join();
    assertThat(failure[0]).isNull();
    assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    assertThat(calls()).endsWith("a.commit", "b.commit");
  }
}
