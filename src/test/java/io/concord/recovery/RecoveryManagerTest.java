package io.concord.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.ForceMode;
import io.concord.log.HeuristicOutcome;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.RecoveryReport.Reason;
import io.concord.xa.ConcordXid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recovery algorithm against in-memory resource managers and a real log. */
class RecoveryManagerTest {
  private static final String NODE = "node-a";
  private static final AtomicLong COUNTER = new AtomicLong();

  @TempDir Path dir;
  private TransactionLog log;
  private final ConcordXid.Factory xids =
      new ConcordXid.Factory(NODE, ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
  private final Set<ConcordXid> inFlight = ConcurrentHashMap.newKeySet();
  private RecoveryManager manager;

  @BeforeEach
  void openLog() throws Exception {
    log =
        TransactionLog.open(LogOptions.builder(dir).nodeId(NODE).forceMode(ForceMode.NONE).build());
  }

  @AfterEach
  void closeAll() {
    if (manager != null) {
      manager.close();
    }
    log.close();
  }

  private RecoveryManager manager(RecoveryOptions.Builder options) {
    manager =
        new RecoveryManager(
            log,
            options.build(),
            xid -> inFlight.stream().anyMatch(x -> x.sameGlobalTransaction(xid)));
    return manager;
  }

  private RecoveryManager manager() {
    return manager(RecoveryOptions.builder(NODE).orphanGrace(Duration.ZERO));
  }

  private ConcordXid newTransaction() {
    return xids.create(COUNTER.incrementAndGet(), 1);
  }

  private void logCommit(ConcordXid first, Object... nameAndBranch) throws Exception {
    List<BranchRecord> branches = new java.util.ArrayList<>();
    for (int i = 0; i < nameAndBranch.length; i += 2) {
      String name = (String) nameAndBranch[i];
      ConcordXid branch = (ConcordXid) nameAndBranch[i + 1];
      branches.add(new BranchRecord(name, branch.getBranchQualifier()));
    }
    log.appendCommit(
        new CommitRecord(first.getGlobalTransactionId(), branches, System.currentTimeMillis()));
  }

  /** The log applies END asynchronously (within 50 ms): wait until the record is gone. */
  private void awaitNoLiveCommits() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!log.liveCommits().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(log.liveCommits()).isEmpty();
  }

  @Test
  void commitsTheBranchesOfAnOpenCommitRecordAndEndsIt() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase maria = FakeDatabase.plain("maria");
    ConcordXid tx = newTransaction();
    ConcordXid b2 = tx.withBranch(2);
    pg.prepare(tx);
    maria.prepare(b2);
    logCommit(tx, "pg", tx, "maria", b2);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(2);
    assertThat(report.rolledBack()).isEmpty();
    assertThat(report.endedRecords()).isEqualTo(1);
    assertThat(report.hasWorkLeft()).isFalse();
    assertThat(pg.preparedCount()).isZero();
    assertThat(maria.preparedCount()).isZero();
    awaitNoLiveCommits();
    assertThat(pg.sessionsClosed.get()).isEqualTo(pg.sessionsOpened.get());
  }

  @Test
  void endsARecordWhoseBranchesWereAlreadyCommitted() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).isEmpty();
    assertThat(report.endedRecords()).isEqualTo(1);
    awaitNoLiveCommits();
  }

  @Test
  void keepsARecordWhileItsResourceIsUnreachableAndFinishesItWhenBack() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase maria = FakeDatabase.plain("maria");
    ConcordXid tx = newTransaction();
    ConcordXid b2 = tx.withBranch(2);
    pg.prepare(tx);
    maria.prepare(b2);
    logCommit(tx, "pg", tx, "maria", b2);
    maria.down = true;
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport first = m.runOnce();

    assertThat(first.committed()).extracting(RecoveryReport.Branch::resource).containsExactly("pg");
    assertThat(first.unreachable())
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.resource()).contains("maria");
              assertThat(u.error()).contains("XAER_RMFAIL").contains("connection refused");
            });
    assertThat(first.openRecords())
        .singleElement()
        .satisfies(r -> assertThat(r.waitingFor()).containsExactly("maria (unreachable)"));
    assertThat(first.hasWorkLeft()).isTrue();
    assertThat(log.liveCommits()).hasSize(1);

    RecoveryReport still = m.runOnce();
    assertThat(still.openRecords()).hasSize(1);
    assertThat(log.liveCommits()).hasSize(1);

    maria.down = false;
    RecoveryReport back = m.runOnce();
    assertThat(back.committed())
        .extracting(RecoveryReport.Branch::resource)
        .containsExactly("maria");
    assertThat(back.endedRecords()).isEqualTo(1);
    assertThat(maria.preparedCount()).isZero();
    awaitNoLiveCommits();
  }

  @Test
  void keepsARecordWhoseResourceIsNotRegistered() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "gone", tx.withBranch(2));
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(1);
    assertThat(report.openRecords())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.waitingFor())
                    .containsExactly("gone (not registered, or backing off)"));
    assertThat(log.liveCommits()).hasSize(1);
  }

  @Test
  void backsOffFromAFailingSourceInPeriodicPassesButNotOnDemand() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    pg.sourceDown = new IllegalStateException("pool closed");
    RecoveryManager m =
        manager(
            RecoveryOptions.builder(NODE)
                .retryInitialDelay(Duration.ofMinutes(10))
                .retryMaxDelay(Duration.ofMinutes(20))
                .interval(Duration.ZERO)
                .startupTimeout(Duration.ZERO));
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport startup = m.start();
    assertThat(startup.unreachable())
        .singleElement()
        .satisfies(
            u -> assertThat(u.error()).contains("getXAResources() failed").contains("pool closed"));

    pg.sourceDown = null;
    RecoveryReport onDemand = m.runOnce();
    assertThat(onDemand.unreachable()).isEmpty();
    assertThat(pg.sessionsOpened.get()).isEqualTo(1);
  }

  @Test
  void rollsBackAnOrphanOnlyWhenSeenInTwoScansTheGraceApart() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid orphan = newTransaction();
    pg.prepare(orphan);
    RecoveryManager m = manager(RecoveryOptions.builder(NODE).orphanGrace(Duration.ofMillis(300)));
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport first = m.runOnce();
    assertThat(first.leftAlone())
        .singleElement()
        .satisfies(l -> assertThat(l.reason()).isEqualTo(Reason.AWAITING_SECOND_SCAN));
    RecoveryReport tooSoon = m.runOnce();
    assertThat(tooSoon.rolledBack()).isEmpty();
    assertThat(pg.isPrepared(orphan)).isTrue();

    Thread.sleep(350);
    RecoveryReport later = m.runOnce();
    assertThat(later.rolledBack())
        .singleElement()
        .satisfies(b -> assertThat(b.xid()).isEqualTo(orphan.toString()));
    assertThat(pg.isPrepared(orphan)).isFalse();
  }

  @Test
  void anOrphanMissingFromOneScanStartsItsGraceOver() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid orphan = newTransaction();
    pg.prepare(orphan);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.runOnce();
    pg.down = true;
    m.runOnce();
    pg.down = false;

    RecoveryReport afterGap = m.runOnce();

    assertThat(afterGap.rolledBack()).isEmpty();
    assertThat(m.runOnce().rolledBack()).hasSize(1);
  }

  @Test
  void neverRollsBackATransactionInFlightInThisProcess() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid live = newTransaction();
    pg.prepare(live);
    inFlight.add(live);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    for (int i = 0; i < 3; i++) {
      RecoveryReport report = m.runOnce();
      assertThat(report.rolledBack()).isEmpty();
      assertThat(report.leftAlone())
          .singleElement()
          .satisfies(l -> assertThat(l.reason()).isEqualTo(Reason.IN_FLIGHT));
      assertThat(report.hasWorkLeft()).isFalse();
    }
    assertThat(pg.isPrepared(live)).isTrue();

    // the transaction ends without its coordinator finishing the branch: now it is an orphan,
    // and its grace starts only now
    inFlight.remove(live);
    assertThat(m.runOnce().rolledBack()).isEmpty();
    assertThat(m.runOnce().rolledBack()).hasSize(1);
  }

  @Test
  void leavesAloneATransactionInFlightBeforeTheScanEvenIfItFinishedSince() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    // in flight when the pass starts; its coordinator finishes while the pass lists the resource
    inFlight.add(tx);
    pg.onRecover = () -> inFlight.remove(tx);
    manager =
        new RecoveryManager(
            log,
            RecoveryOptions.builder(NODE).orphanGrace(Duration.ZERO).build(),
            InFlightTransactions.of(
                xid -> inFlight.stream().anyMatch(x -> x.sameGlobalTransaction(xid)),
                () -> List.copyOf(inFlight)));
    manager.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = manager.runOnce();

    assertThat(report.committed()).isEmpty();
    assertThat(report.leftAlone())
        .singleElement()
        .satisfies(l -> assertThat(l.reason()).isEqualTo(Reason.IN_FLIGHT));
    assertThat(pg.isPrepared(tx)).isTrue();
  }

  @Test
  void neverCommitsABranchOfARecordWhoseTransactionIsInFlight() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid live = newTransaction();
    pg.prepare(live);
    logCommit(live, "pg", live, "pg", live.withBranch(2));
    inFlight.add(live);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).isEmpty();
    assertThat(report.endedRecords()).isZero();
    assertThat(report.openRecords()).isEmpty();
    assertThat(pg.isPrepared(live)).isTrue();
    assertThat(log.liveCommits()).hasSize(1);
  }

  @Test
  void leavesForeignFormatsAndOtherNodesAloneUnlessConfiguredToRecoverForThem() throws Exception {
    FakeDatabase maria = FakeDatabase.plain("maria");
    Xid foreign = new SimpleXid(0x20005, new byte[] {1, 2, 3}, new byte[] {4});
    ConcordXid otherNode = new ConcordXid.Factory("node-b", 7).create(1, 1);
    ConcordXid gone = new ConcordXid.Factory("node-gone", 7).create(1, 1);
    maria.prepare(foreign);
    maria.prepare(otherNode);
    maria.prepare(gone);
    RecoveryManager m =
        manager(
            RecoveryOptions.builder(NODE)
                .orphanGrace(Duration.ZERO)
                .alsoForNodes(List.of("node-gone")));
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport first = m.runOnce();
    RecoveryReport second = m.runOnce();

    assertThat(first.foreignXids()).isEqualTo(1);
    assertThat(second.rolledBack())
        .extracting(RecoveryReport.Branch::xid)
        .containsExactly(gone.toString());
    assertThat(second.leftAlone())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.reason()).isEqualTo(Reason.OTHER_NODE);
              assertThat(l.xid()).isEqualTo(otherNode.toString());
            });
    assertThat(maria.isPrepared(foreign)).isTrue();
    assertThat(maria.isPrepared(otherNode)).isTrue();
    assertThat(maria.committed).isEmpty();
  }

  @Test
  void commitsAnOrphanWhoseLastResourceCommittedAndClearsTheMarkerWhenAllIsDone() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase markers = new FakeDatabase("lr", FakeDatabase.Flavour.PLAIN, true);
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    markers.prepare(tx.withBranch(3));
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(markers.recovery());

    RecoveryReport first = m.runOnce();
    assertThat(first.committed())
        .singleElement()
        .satisfies(b -> assertThat(b.detail()).contains("last resource committed"));
    assertThat(first.rolledBack()).isEmpty();
    // the branch was still listed at the scan: the marker is kept until a pass sees nothing left
    assertThat(markers.preparedCount()).isEqualTo(1);

    RecoveryReport second = m.runOnce();
    assertThat(second.clearedMarkers()).isEqualTo(1);
    assertThat(markers.preparedCount()).isZero();
  }

  @Test
  void rollsBackNoOrphanWhileLastResourceMarkersCannotBeRead() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase markers = new FakeDatabase("lr", FakeDatabase.Flavour.PLAIN, true);
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    markers.prepare(tx.withBranch(3));
    markers.down = true;
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(markers.recovery());

    for (int i = 0; i < 3; i++) {
      RecoveryReport report = m.runOnce();
      assertThat(report.rolledBack()).isEmpty();
      assertThat(report.leftAlone())
          .singleElement()
          .satisfies(l -> assertThat(l.reason()).isEqualTo(Reason.LAST_RESOURCE_UNKNOWN));
    }
    markers.down = false;
    assertThat(m.runOnce().committed()).hasSize(1);
    assertThat(pg.rolledBack).isEmpty();
  }

  @Test
  void aSourceNeverReadBlocksOrphanRollbackBecauseItMayHoldMarkers() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase unknown = FakeDatabase.plain("unknown");
    unknown.sourceDown = new IllegalStateException("cannot connect");
    ConcordXid orphan = newTransaction();
    pg.prepare(orphan);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(unknown.recovery());

    m.runOnce();
    RecoveryReport blocked = m.runOnce();
    assertThat(blocked.rolledBack()).isEmpty();
    assertThat(blocked.leftAlone())
        .singleElement()
        .satisfies(l -> assertThat(l.reason()).isEqualTo(Reason.LAST_RESOURCE_UNKNOWN));

    // once read, the orphan goes; and known to hold no markers, its failures no longer block
    unknown.sourceDown = null;
    assertThat(m.runOnce().rolledBack()).hasSize(1);
    ConcordXid next = newTransaction();
    pg.prepare(next);
    unknown.sourceDown = new IllegalStateException("cannot connect");
    m.runOnce();
    assertThat(m.runOnce().rolledBack())
        .extracting(RecoveryReport.Branch::xid)
        .containsExactly(next.toString());
  }

  @Test
  void rollsBackEveryH2OrphanAlthoughH2RollsBackOnlyOnePerListing() throws Exception {
    FakeDatabase h2 = new FakeDatabase("h2", FakeDatabase.Flavour.H2, false);
    List<ConcordXid> orphans = List.of(newTransaction(), newTransaction(), newTransaction());
    orphans.forEach(h2::prepare);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(h2.recovery());

    m.runOnce();
    RecoveryReport report = m.runOnce();

    assertThat(report.rolledBack()).hasSize(3);
    assertThat(report.leftAlone()).isEmpty();
    assertThat(h2.preparedCount()).isZero();
  }

  @Test
  void mariaDbRollbackAnswerToCommittingAReadOnlyBranchIsNoHeuristic() throws Exception {
    FakeDatabase maria = new FakeDatabase("maria", FakeDatabase.Flavour.MARIADB, false);
    ConcordXid tx = newTransaction();
    ConcordXid readOnly = tx.withBranch(2);
    maria.prepare(tx);
    maria.prepare(readOnly);
    logCommit(tx, "maria", tx, "maria", readOnly);
    maria.script =
        call -> {
          if (XidKey.of(call.xid()).equals(XidKey.of(readOnly))) {
            synchronized (maria) {
              maria.prepared.remove(XidKey.of(readOnly));
            }
            return xa(XAException.XA_RBROLLBACK);
          }
          return null;
        };
    RecoveryManager m = manager();
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(2);
    assertThat(report.newHeuristics()).isEmpty();
    assertThat(m.heuristics()).isEmpty();
    assertThat(report.endedRecords()).isEqualTo(1);
  }

  @Test
  void aRollbackAnswerFromAnotherDriverIsAHeuristicKeptUntilForgotten() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    pg.prepare(tx.withBranch(2));
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    pg.script =
        call -> {
          if (XidKey.of(call.xid()).equals(XidKey.of(tx))) {
            synchronized (pg) {
              pg.prepared.remove(XidKey.of(tx));
            }
            return xa(XAException.XA_RBROLLBACK);
          }
          return null;
        };
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.newHeuristics())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.outcome()).isEqualTo(HeuristicOutcome.ROLLED_BACK);
              assertThat(h.resource()).isEqualTo("pg");
              assertThat(h.detail()).contains("XA_RBROLLBACK");
            });
    assertThat(report.committed()).hasSize(1);
    assertThat(report.endedRecords()).isEqualTo(1);
    assertThat(m.heuristics()).hasSize(1);
    assertThat(report.toText()).contains("HEURISTIC new").contains("ROLLED_BACK");

    // kept across passes until an operator forgets it
    assertThat(m.runOnce().outstandingHeuristics()).hasSize(1);
    assertThat(m.forget("00ff")).isFalse();
    assertThat(m.forget(report.newHeuristics().get(0).gtrid())).isTrue();
    assertThat(m.heuristics()).isEmpty();
  }

  @Test
  void heuristicHazardIsLoggedThenForgottenAtTheResourceAndTheRecordEnds() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "other", tx.withBranch(2));
    FakeDatabase other = FakeDatabase.plain("other");
    pg.script = call -> xa(XAException.XA_HEURHAZ);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(other.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.newHeuristics())
        .singleElement()
        .satisfies(h -> assertThat(h.outcome()).isEqualTo(HeuristicOutcome.HAZARD));
    assertThat(pg.forgotten).hasSize(1);
    assertThat(report.endedRecords()).isEqualTo(1);
    awaitNoLiveCommits();
  }

  @Test
  void notaWhileTheBranchIsStillListedIsRetriedNotBelieved() throws Exception {
    // MariaDB answers XAER_NOTA from another session while the preparing session lives
    FakeDatabase maria = new FakeDatabase("maria", FakeDatabase.Flavour.MARIADB, false);
    ConcordXid tx = newTransaction();
    maria.prepare(tx);
    logCommit(tx, "maria", tx, "maria", tx.withBranch(2));
    maria.script = call -> xa(XAException.XAER_NOTA);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport first = m.runOnce();
    assertThat(first.committed()).isEmpty();
    assertThat(first.leftAlone())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.reason()).isEqualTo(Reason.RETRY);
              assertThat(l.detail()).contains("XAER_NOTA");
            });
    assertThat(first.openRecords()).hasSize(1);
    assertThat(first.newHeuristics()).isEmpty();
    assertThat(maria.isPrepared(tx)).isTrue();

    maria.script = call -> null; // the owner disconnected
    RecoveryReport second = m.runOnce();
    assertThat(second.committed()).hasSize(1);
    assertThat(second.endedRecords()).isEqualTo(1);
  }

  @Test
  void anErrorAfterWhichTheBranchIsGoneCountsAsDone() throws Exception {
    // pgjdbc answers XAER_RMERR in situations where the commit went through
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    pg.script =
        call -> {
          synchronized (pg) {
            pg.prepared.remove(XidKey.of(call.xid()));
          }
          return xa(XAException.XAER_RMERR);
        };
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed())
        .singleElement()
        .satisfies(
            b ->
                assertThat(b.detail()).contains("no longer in doubt after").contains("XAER_RMERR"));
    assertThat(report.newHeuristics()).isEmpty();
    assertThat(report.endedRecords()).isEqualTo(1);
  }

  @Test
  void anErrorOnTheFirstAttemptIsRetriedOnAFreshListingInTheSamePass() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    pg.script = call -> call.attempt() == 1 ? xa(XAException.XAER_RMERR) : null;
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(1);
    assertThat(pg.isPrepared(tx)).isFalse();
  }

  @Test
  void aResourceLostDuringCompletionLeavesItsRecordOpen() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    pg.script =
        call -> {
          pg.down = true;
          return xa(XAException.XAER_RMFAIL);
        };
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).isEmpty();
    assertThat(report.unreachable()).isNotEmpty();
    assertThat(report.openRecords()).hasSize(1);
    assertThat(log.liveCommits()).hasSize(1);
  }

  @Test
  void aRecordWrittenDuringTheScanIsNotEndedBeforeItsBranchesAreSeen() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase maria = FakeDatabase.plain("maria");
    ConcordXid tx = newTransaction();
    ConcordXid b2 = tx.withBranch(2);
    // pg is scanned first; while maria is scanned, a transaction prepares on pg and logs COMMIT.
    // The two listings run in parallel: maria's waits until pg's first recover() has answered
    // (its second call, TMENDRSCAN, has begun), or the order would be left to the scheduler.
    CountDownLatch pgListed = new CountDownLatch(2);
    pg.onRecover = pgListed::countDown;
    maria.onRecover =
        () -> {
          try {
            if (!pgListed.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("pg was not scanned in parallel with maria");
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          if (!pg.isPrepared(tx) && log.liveCommits().isEmpty()) {
            pg.prepare(tx);
            maria.prepare(b2);
            try {
              logCommit(tx, "pg", tx, "maria", b2);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        };
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport first = m.runOnce();

    // its coordinator may still be completing it: neither committed nor ended by this pass
    assertThat(first.endedRecords()).isZero();
    assertThat(first.committed()).isEmpty();
    assertThat(first.leftAlone())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.reason()).isEqualTo(Reason.IN_FLIGHT);
              assertThat(l.detail()).contains("COMMIT record written during this pass");
            });
    assertThat(log.liveCommits()).hasSize(1);
    assertThat(pg.isPrepared(tx)).isTrue();

    RecoveryReport second = m.runOnce();
    assertThat(second.committed()).hasSize(2);
    assertThat(second.endedRecords()).isEqualTo(1);
    assertThat(pg.isPrepared(tx)).isFalse();
  }

  @Test
  void completesDifferentDatabasesInParallel() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase maria = FakeDatabase.plain("maria");
    ConcordXid tx = newTransaction();
    ConcordXid b2 = tx.withBranch(2);
    pg.prepare(tx);
    maria.prepare(b2);
    logCommit(tx, "pg", tx, "maria", b2);
    // each commit waits for the other: only parallel completion gets both through
    java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
    java.util.function.Function<FakeDatabase.Call, XAException> meet =
        call -> {
          try {
            both.await(5, TimeUnit.SECONDS);
            return null;
          } catch (Exception e) {
            return xa(XAException.XAER_RMFAIL);
          }
        };
    pg.script = meet;
    maria.script = meet;
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(maria.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(2);
    assertThat(report.endedRecords()).isEqualTo(1);
  }

  @Test
  void spreadsOneDatabasesBranchesOverEverySessionItsSourceHandsOut() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    pg.sessionsPerScan = 3;
    Set<Object> usedSessions = ConcurrentHashMap.newKeySet();
    pg.script =
        call -> {
          usedSessions.add(call.session());
          return null;
        };
    for (int i = 0; i < 9; i++) {
      ConcordXid tx = newTransaction();
      pg.prepare(tx);
      logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    }
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());

    RecoveryReport report = m.runOnce();

    assertThat(report.committed()).hasSize(9);
    assertThat(report.endedRecords()).isEqualTo(9);
    assertThat(usedSessions).hasSize(3);
    assertThat(pg.sessionsClosed.get()).isEqualTo(3);
  }

  @Test
  void startupRecoveryWaitsForTheGraceAndRollsBackBeforeReturning() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid orphan = newTransaction();
    pg.prepare(orphan);
    RecoveryManager m =
        manager(
            RecoveryOptions.builder(NODE)
                .orphanGrace(Duration.ofMillis(200))
                .startupTimeout(Duration.ofSeconds(10))
                .interval(Duration.ZERO));
    m.addXAResourceRecovery(pg.recovery());

    long start = System.nanoTime();
    RecoveryReport report = m.start();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(report.rolledBack()).hasSize(1);
    assertThat(report.passes()).isGreaterThanOrEqualTo(2);
    assertThat(report.hasWorkLeft()).isFalse();
    assertThat(tookMillis).isBetween(190L, 5_000L);
    assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void startupRecoveryIsBoundedByItsTimeout() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    ConcordXid tx = newTransaction();
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));
    pg.down = true;
    RecoveryManager m =
        manager(
            RecoveryOptions.builder(NODE)
                .startupTimeout(Duration.ofMillis(300))
                .retryInitialDelay(Duration.ofMillis(50))
                .retryMaxDelay(Duration.ofMillis(100))
                .interval(Duration.ZERO));
    m.addXAResourceRecovery(pg.recovery());

    long start = System.nanoTime();
    RecoveryReport report = m.start();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(tookMillis).isLessThan(2_000L);
    assertThat(report.passes()).isGreaterThan(1);
    assertThat(report.hasWorkLeft()).isTrue();
    assertThat(report.openRecords()).hasSize(1);
    assertThat(log.liveCommits()).hasSize(1);
  }

  @Test
  void periodicRecoveryFinishesWorkThatAppearsLater() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    RecoveryManager m =
        manager(
            RecoveryOptions.builder(NODE)
                .orphanGrace(Duration.ZERO)
                .interval(Duration.ofMillis(50))
                .startupTimeout(Duration.ZERO));
    m.addXAResourceRecovery(pg.recovery());
    m.start();

    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    pg.prepare(tx.withBranch(2));
    logCommit(tx, "pg", tx, "pg", tx.withBranch(2));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (pg.preparedCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(pg.preparedCount()).isZero();
    awaitNoLiveCommits();
    m.close();
    int calls = pg.recoverCalls.get();
    Thread.sleep(200);
    assertThat(pg.recoverCalls.get()).isEqualTo(calls);
  }

  @Test
  void removedSourcesAreNoLongerScanned() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    RecoveryManager m = manager();
    var recovery = pg.recovery();
    m.addXAResourceRecovery(recovery);
    m.addXAResourceRecovery(recovery);
    assertThat(m.registeredSources()).isEqualTo(1);
    m.runOnce();
    m.removeXAResourceRecovery(recovery);
    m.runOnce();
    assertThat(pg.sessionsOpened.get()).isEqualTo(1);
    assertThatThrownBy(() -> m.addXAResourceRecovery(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void reportRendersAsTextAndJson() throws Exception {
    FakeDatabase pg = FakeDatabase.plain("pg");
    FakeDatabase down = FakeDatabase.plain("down");
    down.down = true;
    ConcordXid tx = newTransaction();
    pg.prepare(tx);
    logCommit(tx, "pg", tx, "down", tx.withBranch(2));
    ConcordXid orphan = newTransaction();
    pg.prepare(orphan);
    RecoveryManager m = manager();
    m.addXAResourceRecovery(pg.recovery());
    m.addXAResourceRecovery(down.recovery());

    RecoveryReport report = m.runOnce();

    String text = report.toText();
    assertThat(text)
        .startsWith("recovery pass at ")
        .contains("committed 1")
        .contains("committed     " + tx + " on pg")
        .contains("unreachable   down")
        .contains("open record")
        .contains("left alone    " + orphan + " on pg (no COMMIT record; awaiting a second scan)");
    JsonNode json = new ObjectMapper().readTree(report.toJson());
    assertThat(json.get("committed").get(0).get("xid").asText()).isEqualTo(tx.toString());
    assertThat(json.get("committed").get(0).get("resource").asText()).isEqualTo("pg");
    assertThat(json.get("leftAlone").get(0).get("reason").asText())
        .isEqualTo("AWAITING_SECOND_SCAN");
    assertThat(json.get("unreachable").get(0).get("resource").asText()).contains("down");
    assertThat(json.get("openRecords").get(0).get("waitingFor").get(0).asText())
        .isEqualTo("down (unreachable)");
    assertThat(json.get("workLeft").asBoolean()).isTrue();
    assertThat(RecoveryReport.heuristicsToText(List.of())).isEqualTo("no heuristic outcomes\n");
    assertThat(new ObjectMapper().readTree(RecoveryReport.heuristicsToJson(List.of())).isArray())
        .isTrue();
  }

  @Test
  void forgetRejectsWhatIsNotAGtrid() {
    RecoveryManager m = manager();
    assertThatThrownBy(() -> m.forget("abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("even number of hexadecimal digits");
    assertThatThrownBy(() -> m.forget("zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hexadecimal");
  }

  @Test
  void optionsAreCheckedWithMessagesThatNameTheOption() {
    assertThatThrownBy(() -> RecoveryOptions.builder(""))
        .hasMessageContaining("nodeId")
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> RecoveryOptions.builder(NODE).interval(Duration.ofSeconds(-1)))
        .hasMessageContaining("interval")
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> RecoveryOptions.builder(NODE).retryInitialDelay(Duration.ZERO))
        .hasMessageContaining("retryInitialDelay");
    assertThatThrownBy(
            () ->
                RecoveryOptions.builder(NODE)
                    .retryInitialDelay(Duration.ofSeconds(10))
                    .retryMaxDelay(Duration.ofSeconds(1))
                    .build())
        .hasMessageContaining("retryMaxDelay");
    assertThatThrownBy(() -> RecoveryOptions.builder(NODE).alsoForNodes(List.of("x".repeat(40))))
        .hasMessageContaining("alsoForNodes");
    RecoveryOptions options = RecoveryOptions.builder(NODE).alsoForNodes(List.of("b")).build();
    assertThat(options.ownedNodes()).containsExactlyInAnyOrder(NODE, "b");
  }

  private static XAException xa(int code) {
    XAException e = new XAException("scripted " + code);
    e.errorCode = code;
    return e;
  }

  /** A Xid of some other transaction manager. */
  record SimpleXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
    @Override
    public int getFormatId() {
      return formatId;
    }

    @Override
    public byte[] getGlobalTransactionId() {
      return gtrid.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
      return bqual.clone();
    }
  }
}
