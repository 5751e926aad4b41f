package io.concord.recovery;

import io.concord.log.BranchRecord;
import io.concord.log.CommitRecord;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.TransactionLog;
import io.concord.recovery.RecoveryReport.Reason;
import io.concord.recovery.SessionCompletion.Action;
import io.concord.recovery.SessionCompletion.Result;
import io.concord.xa.ConcordXid;
import io.concord.xa.XaErrorClassification;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recovery pass, in this order (the order is what makes it safe next to running transactions):
 *
 * <ol>
 *   <li>read the open COMMIT records (snapshot A): only records already open before the scan may be
 *       closed with END, because only their branches were all prepared before the scan;
 *   <li>ask every registered source for fresh resources and list their in-doubt Xids;
 *   <li>for every listed Concord Xid, ask whether its transaction is in flight in this process,
 *       then read the open COMMIT records again (snapshot B): a transaction that finished between
 *       the scan and the question has its COMMIT record (if any) in B;
 *   <li>decide: a COMMIT record in B, or a last-resource marker, means commit; none, for an Xid of
 *       an owned node, means roll back once seen in two scans {@code orphanGrace} apart; anything
 *       else is left alone;
 *   <li>complete per resource, then list again and believe only the listing (see {@link
 *       ResourceSession}); branches still listed get one slow retry, each after a fresh listing;
 *   <li>write END for every record of A still open in B whose branches are all confirmed, and clear
 *       last-resource markers of transactions that are complete everywhere.
 * </ol>
 */
final class RecoveryPass {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryPass.class);
  private static final byte[] FIRST_BRANCH = {0, 0, 0, 1};

  /** At most this many databases are completed at the same time. */
  private static final int MAX_PARALLEL_SESSIONS = 16;

  /** A pass slower than this logs where its time went. */
  private static final long SLOW_PASS_NANOS = 1_000_000_000L;

  private final TransactionLog log;
  private final RecoveryOptions options;
  private final InFlightTransactions inFlight;
  private final List<RecoverySource> sources;
  private final OrphanSightings sightings;
  private final boolean honourBackoff;

  private final Instant startedAt = Instant.now();
  private final long passNanos = System.nanoTime();

  private final List<ResourceSession> sessions = new ArrayList<>();
  private final Set<String> failedNames = new HashSet<>();
  private boolean markersComplete = true;
  private boolean everySourceRead = true;

  private final List<RecoveryReport.Branch> committed = new ArrayList<>();
  private final List<RecoveryReport.Branch> rolledBack = new ArrayList<>();
  private final List<RecoveryReport.LeftAlone> leftAlone = new ArrayList<>();
  private final List<RecoveryReport.Unreachable> unreachable = new ArrayList<>();
  private final List<RecoveryReport.OpenRecord> openRecords = new ArrayList<>();
  private final List<RecoveryReport.Heuristic> newHeuristics = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private int endedRecords;
  private int clearedMarkers;

  RecoveryPass(
      TransactionLog log,
      RecoveryOptions options,
      InFlightTransactions inFlight,
      List<RecoverySource> sources,
      OrphanSightings sightings,
      boolean honourBackoff) {
    this.log = log;
    this.options = options;
    this.inFlight = inFlight;
    this.sources = sources;
    this.sightings = sightings;
    this.honourBackoff = honourBackoff;
  }

  RecoveryReport run() {
    try {
      Set<GtridKey> inFlightBefore = new HashSet<>();
      inFlight
          .snapshot()
          .ifPresent(
              xs -> xs.forEach(x -> inFlightBefore.add(new GtridKey(x.getGlobalTransactionId()))));
      Map<GtridKey, CommitRecord> before = byGtrid(log.liveCommits());
      Set<BranchKey> heuristicBranches = heuristicBranches();
      scan();
      long scanned = System.nanoTime();
      Map<GtridKey, Boolean> inFlightNow = new HashMap<>();
      Map<XidKey, List<ResourceSession>> candidates = new LinkedHashMap<>();
      Map<XidKey, Xid> xids = new HashMap<>();
      Set<GtridKey> markers = new HashSet<>();
      Map<GtridKey, List<Xid>> markerXids = new HashMap<>();
      Map<GtridKey, ResourceSession> markerSessions = new HashMap<>();
      int foreign = collect(candidates, xids, markers, markerXids, markerSessions);
      for (Map.Entry<XidKey, Xid> e : xids.entrySet()) {
        inFlightNow.computeIfAbsent(
            e.getKey().gtrid(),
            g -> inFlightBefore.contains(g) || inFlight.isInFlight(e.getValue()));
      }
      Map<GtridKey, CommitRecord> after = byGtrid(log.liveCommits());

      List<Action> actions =
          decide(candidates, xids, markers, before, after, inFlightNow, heuristicBranches);
      long decided = System.nanoTime();
      Map<XidKey, Result> results = execute(actions);
      long completed = System.nanoTime();

      closeRecords(before, after, results, heuristicBranches);
      clearMarkers(markerXids, markerSessions, candidates.keySet());
      long closed = System.nanoTime();
      if (closed - passNanos > SLOW_PASS_NANOS) {
        LOG.info(
            "recovery pass took {} ms: listing {} ms, deciding {} ms, completing {} ms,"
                + " closing records {} ms ({} branches listed, {} completed)",
            (closed - passNanos) / 1_000_000,
            (scanned - passNanos) / 1_000_000,
            (decided - scanned) / 1_000_000,
            (completed - decided) / 1_000_000,
            (closed - completed) / 1_000_000,
            candidates.size(),
            results.size());
      }
      return report(foreign);
    } finally {
      for (ResourceSession session : sessions) {
        session.close();
      }
    }
  }

  // ---------------------------------------------------------------- scan

  /**
   * Asks every due source for its resources (in order), lists all resources in parallel (a slow
   * database does not hold up the others), then books what each source's resources answered.
   */
  private void scan() {
    Duration initial = options.retryInitialDelay();
    Duration max = options.retryMaxDelay();
    Map<RecoverySource, List<ResourceSession>> handedOut = new LinkedHashMap<>();
    for (RecoverySource source : sources) {
      if (honourBackoff && !source.due(passNanos)) {
        long waitMillis = Math.max(0, (source.nextAttemptNanos() - passNanos) / 1_000_000);
        unreachable.add(
            new RecoveryReport.Unreachable(
                source.label(), "failed earlier; next attempt in " + waitMillis + " ms"));
        skipped(source);
        continue;
      }
      XAResource[] resources;
      try {
        resources = source.recovery.getXAResources();
      } catch (RuntimeException e) {
        source.failed(System.nanoTime(), initial, max);
        unreachable.add(
            new RecoveryReport.Unreachable(
                source.label(), "getXAResources() failed: " + XaErrorClassification.describe(e)));
        LOG.warn("recovery source {} failed: {}", source.label(), e.toString(), e);
        skipped(source);
        continue;
      }
      List<ResourceSession> handed = new ArrayList<>();
      for (XAResource resource : resources == null ? new XAResource[0] : resources) {
        if (resource != null) {
          ResourceSession session = new ResourceSession(resource);
          handed.add(session);
          sessions.add(session);
        }
      }
      handedOut.put(source, handed);
    }
    List<Runnable> listings = new ArrayList<>();
    for (ResourceSession session : sessions) {
      listings.add(
          () -> {
            try {
              session.list();
            } catch (RecoveryFailure e) {
              // kept in the session; booked below
            }
          });
    }
    runAll(listings);
    for (Map.Entry<RecoverySource, List<ResourceSession>> e : handedOut.entrySet()) {
      RecoverySource source = e.getKey();
      boolean allRead = true;
      boolean anyMarkers = false;
      List<String> names = new ArrayList<>();
      for (ResourceSession session : e.getValue()) {
        names.add(session.name());
        anyMarkers |= session.lastResource();
        if (session.failed()) {
          allRead = false;
          failedNames.add(session.name());
          String why =
              session.describe()
                  + ": recover() failed: "
                  + XaErrorClassification.describe(session.failure());
          unreachable.add(new RecoveryReport.Unreachable(session.describe(), why));
          LOG.warn("recovery cannot read {}", why);
          if (session.lastResource()) {
            markersComplete = false;
          }
        }
        if (!session.named() && !session.lastResource()) {
          LOG.warn(
              "recovery resource {} does not name itself through XAResourceWrapper#getJndiName();"
                  + " COMMIT records cannot be matched to it by name",
              session.name());
        }
      }
      source.handedOut(names, anyMarkers);
      if (allRead) {
        source.succeeded();
      } else {
        source.failed(System.nanoTime(), initial, max);
        everySourceRead = false;
      }
    }
  }

  private void skipped(RecoverySource source) {
    everySourceRead = false;
    if (!source.knownWithoutMarkers()) {
      markersComplete = false;
    }
  }

  /** Groups what the readable sessions list; returns the number of foreign Xids. */
  private int collect(
      Map<XidKey, List<ResourceSession>> candidates,
      Map<XidKey, Xid> xids,
      Set<GtridKey> markers,
      Map<GtridKey, List<Xid>> markerXids,
      Map<GtridKey, ResourceSession> markerSessions) {
    Set<XidKey> foreign = new HashSet<>();
    for (ResourceSession session : sessions) {
      if (session.failed()) {
        continue;
      }
      for (Map.Entry<XidKey, Xid> e : session.listing().entrySet()) {
        if (session.lastResource()) {
          GtridKey gtrid = e.getKey().gtrid();
          markers.add(gtrid);
          markerXids.computeIfAbsent(gtrid, g -> new ArrayList<>()).add(e.getValue());
          markerSessions.putIfAbsent(gtrid, session);
          continue;
        }
        if (ConcordXid.parse(e.getValue()).isEmpty()) {
          foreign.add(e.getKey());
          continue;
        }
        candidates.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(session);
        xids.putIfAbsent(e.getKey(), e.getValue());
      }
    }
    return foreign.size();
  }

  // ---------------------------------------------------------------- decide

  private List<Action> decide(
      Map<XidKey, List<ResourceSession>> candidates,
      Map<XidKey, Xid> xids,
      Set<GtridKey> markers,
      Map<GtridKey, CommitRecord> before,
      Map<GtridKey, CommitRecord> records,
      Map<GtridKey, Boolean> inFlightNow,
      Set<BranchKey> heuristicBranches) {
    List<Action> actions = new ArrayList<>();
    Set<XidKey> sightedOrphans = new HashSet<>();
    Set<String> owned = options.ownedNodes();
    long graceNanos = options.orphanGrace().toNanos();
    for (Map.Entry<XidKey, List<ResourceSession>> c : candidates.entrySet()) {
      XidKey key = c.getKey();
      Xid xid = xids.get(key);
      GtridKey gtrid = key.gtrid();
      ResourceSession first = c.getValue().get(0);
      if (inFlightNow.get(gtrid)) {
        leftAlone.add(left(first, xid, Reason.IN_FLIGHT, ""));
        continue;
      }
      if (heuristicBranches.contains(new BranchKey(gtrid, key.bqual()))) {
        leftAlone.add(
            left(first, xid, Reason.HEURISTIC_RECORDED, "forget it once resolved by hand"));
        continue;
      }
      CommitRecord record = records.get(gtrid);
      if (record != null && !before.containsKey(gtrid)) {
        // its coordinator reached the commit point during this pass: probably still completing
        leftAlone.add(left(first, xid, Reason.IN_FLIGHT, "COMMIT record written during this pass"));
        continue;
      }
      if (record != null) {
        ResourceSession session = sessionFor(record, key, c.getValue());
        actions.add(new Action(key, xid, true, session, "COMMIT record"));
        continue;
      }
      String node = ConcordXid.nodeIdOf(gtrid.bytes()).orElse("");
      if (!owned.contains(node)) {
        leftAlone.add(left(first, xid, Reason.OTHER_NODE, "node " + node));
        continue;
      }
      if (markers.contains(gtrid)) {
        actions.add(new Action(key, xid, true, first, "last resource committed"));
        continue;
      }
      sightedOrphans.add(key);
      boolean due = sightings.seen(key, passNanos, graceNanos);
      if (!markersComplete) {
        leftAlone.add(left(first, xid, Reason.LAST_RESOURCE_UNKNOWN, ""));
      } else if (due) {
        actions.add(new Action(key, xid, false, first, "no COMMIT record (presumed abort)"));
      } else {
        leftAlone.add(left(first, xid, Reason.AWAITING_SECOND_SCAN, ""));
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug("orphan {} on {}: due={}", readable(xid), first.name(), due);
      }
    }
    sightings.retainOnly(sightedOrphans);
    return actions;
  }

  /** The session named by the record's branch with this bqual, else the first that lists it. */
  private static ResourceSession sessionFor(
      CommitRecord record, XidKey key, List<ResourceSession> listing) {
    byte[] bqual = key.bqual();
    for (BranchRecord branch : record.branches()) {
      if (java.util.Arrays.equals(branch.bqual(), bqual)) {
        for (ResourceSession s : listing) {
          if (s.name().equals(branch.resourceName())) {
            return s;
          }
        }
      }
    }
    return listing.get(0);
  }

  static RecoveryReport.LeftAlone left(
      ResourceSession session, Xid xid, Reason reason, String detail) {
    return new RecoveryReport.LeftAlone(
        session.name(), readable(xid), gtridHex(xid), reason, detail);
  }

  // ---------------------------------------------------------------- execute

  /**
   * Completes the actions, one batch per session; batches of different sessions (databases) run in
   * parallel on a few short-lived threads, then their findings are merged.
   */
  private Map<XidKey, Result> execute(List<Action> actions) {
    Map<ResourceSession, List<Action>> bySession = new LinkedHashMap<>();
    Map<String, Integer> turn = new HashMap<>();
    for (Action a : actions) {
      ResourceSession session = spread(a, turn);
      bySession
          .computeIfAbsent(session, s -> new ArrayList<>())
          .add(new Action(a.key(), a.xid(), a.commit(), session, a.why()));
    }
    List<SessionCompletion> completions = new ArrayList<>();
    for (Map.Entry<ResourceSession, List<Action>> e : bySession.entrySet()) {
      completions.add(new SessionCompletion(log, e.getKey(), e.getValue()));
    }
    runAll(completions);
    Map<XidKey, Result> results = new HashMap<>();
    for (SessionCompletion c : completions) {
      results.putAll(c.results);
      committed.addAll(c.committed);
      rolledBack.addAll(c.rolledBack);
      c.rolledBackKeys.forEach(sightings::forget);
      leftAlone.addAll(c.leftAlone);
      newHeuristics.addAll(c.newHeuristics);
      errors.addAll(c.errors);
      if (c.lost != null) {
        unreachable.add(c.lost);
        failedNames.add(c.session().name());
        everySourceRead = false;
      }
    }
    return results;
  }

  /**
   * A source may hand out several resources of one database (same name) per scan: the branches of
   * that database are then spread over them round-robin, so that the database's group commit can
   * work for recovery too.
   */
  private ResourceSession spread(Action a, Map<String, Integer> turn) {
    String name = a.session().name();
    List<ResourceSession> twins = new ArrayList<>();
    for (ResourceSession s : sessions) {
      if (!s.failed()
          && !s.lastResource()
          && s.name().equals(name)
          && s.listing().containsKey(a.key())) {
        twins.add(s);
      }
    }
    if (twins.size() <= 1) {
      return a.session();
    }
    int next = turn.merge(name, 1, Integer::sum) - 1;
    return twins.get(next % twins.size());
  }

  /** Runs the tasks on a few short-lived threads (inline when there is only one). */
  private static void runAll(List<? extends Runnable> tasks) {
    if (tasks.size() <= 1) {
      tasks.forEach(Runnable::run);
      return;
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(tasks.size(), MAX_PARALLEL_SESSIONS),
            r -> {
              Thread t = new Thread(r, "concord-recovery-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<?> f : futures) {
        awaitUninterruptibly(f);
      }
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Waits for a batch even if this thread is interrupted: a pass must not return while a batch is
   * still completing branches (the interrupt is kept for the caller).
   */
  private static void awaitUninterruptibly(Future<?> future) {
    boolean interrupted = false;
    while (true) {
      try {
        future.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        // SessionCompletion.run() catches what it can; an Error is re-thrown here
        throw new IllegalStateException("recovery completion failed", e.getCause());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- close out

  private void closeRecords(
      Map<GtridKey, CommitRecord> before,
      Map<GtridKey, CommitRecord> after,
      Map<XidKey, Result> results,
      Set<BranchKey> heuristicBranches) {
    Set<XidKey> stillListed = new HashSet<>();
    Set<String> readNames = new HashSet<>();
    Set<String> markerNames = new HashSet<>();
    for (ResourceSession s : sessions) {
      if (s.failed()) {
        continue;
      }
      readNames.add(s.name());
      if (s.lastResource()) {
        markerNames.add(s.name());
      } else {
        stillListed.addAll(s.listing().keySet());
      }
    }
    for (Map.Entry<GtridKey, CommitRecord> e : after.entrySet()) {
      GtridKey gtrid = e.getKey();
      CommitRecord record = e.getValue();
      if (isInFlight(gtrid)) {
        continue;
      }
      List<String> waitingFor = new ArrayList<>();
      for (BranchRecord branch : record.branches()) {
        XidKey key = XidKey.of(ConcordXid.FORMAT_ID, gtrid.bytes(), branch.bqual());
        String name = branch.resourceName();
        Result result = results.get(key);
        if (result == Result.DONE
            || result == Result.HEURISTIC
            || heuristicBranches.contains(new BranchKey(gtrid, branch.bqual()))
            || markerNames.contains(name)) {
          continue;
        }
        if (stillListed.contains(key) || result == Result.FAILED) {
          waitingFor.add(name + " (still in doubt)");
        } else if (failedNames.contains(name)) {
          waitingFor.add(name + " (unreachable)");
        } else if (!readNames.contains(name)) {
          waitingFor.add(name + " (not registered, or backing off)");
        } else if (!before.containsKey(gtrid)) {
          waitingFor.add(name + " (record newer than the scan)");
        }
      }
      if (!waitingFor.isEmpty()) {
        openRecords.add(
            new RecoveryReport.OpenRecord(gtrid.hex(), readableGtrid(gtrid), waitingFor));
        continue;
      }
      try {
        log.appendEnd(gtrid.bytes());
        endedRecords++;
      } catch (LogException | RuntimeException ex) {
        errors.add("END for " + readableGtrid(gtrid) + " could not be logged: " + ex.getMessage());
      }
    }
  }

  /**
   * Deletes the marker rows of transactions that are complete everywhere: no open COMMIT record,
   * not in flight, no branch listed by any resource, and every source read in this pass (a branch
   * on a resource that could not be read would otherwise lose the marker that decides it).
   */
  private void clearMarkers(
      Map<GtridKey, List<Xid>> markerXids,
      Map<GtridKey, ResourceSession> markerSessions,
      Set<XidKey> listedBranches) {
    if (markerXids.isEmpty() || !everySourceRead || !markersComplete) {
      return;
    }
    Set<GtridKey> listedGtrids = new HashSet<>();
    for (XidKey key : listedBranches) {
      listedGtrids.add(key.gtrid());
    }
    Set<GtridKey> open = byGtrid(log.liveCommits()).keySet();
    for (Map.Entry<GtridKey, List<Xid>> e : markerXids.entrySet()) {
      GtridKey gtrid = e.getKey();
      if (listedGtrids.contains(gtrid) || open.contains(gtrid) || isInFlight(gtrid)) {
        continue;
      }
      ResourceSession session = markerSessions.get(gtrid);
      for (Xid xid : e.getValue()) {
        try {
          session.clearMarker(xid);
          clearedMarkers++;
        } catch (RecoveryFailure f) {
          errors.add(f.getMessage());
        }
      }
    }
  }

  /** Asks about a whole transaction through a Xid of its first branch. */
  private boolean isInFlight(GtridKey gtrid) {
    return ConcordXid.fromParts(ConcordXid.FORMAT_ID, gtrid.bytes(), FIRST_BRANCH)
        .map(inFlight::isInFlight)
        .orElse(false);
  }

  private RecoveryReport report(int foreign) {
    List<RecoveryReport.Heuristic> outstanding =
        log.heuristics().stream().map(RecoveryReport.Heuristic::of).toList();
    return new RecoveryReport(
        startedAt,
        Duration.ofNanos(System.nanoTime() - passNanos),
        1,
        committed,
        rolledBack,
        leftAlone,
        unreachable,
        openRecords,
        endedRecords,
        clearedMarkers,
        foreign,
        newHeuristics,
        outstanding,
        errors);
  }

  // ---------------------------------------------------------------- helpers

  /** A branch of a heuristic record: gtrid and bqual. */
  private record BranchKey(GtridKey gtrid, List<Byte> bqual) {
    BranchKey(GtridKey gtrid, byte[] bqual) {
      this(gtrid, boxed(bqual));
    }

    private static List<Byte> boxed(byte[] bytes) {
      List<Byte> list = new ArrayList<>(bytes.length);
      for (byte b : bytes) {
        list.add(b);
      }
      return List.copyOf(list);
    }
  }

  private Set<BranchKey> heuristicBranches() {
    Set<BranchKey> set = new HashSet<>();
    for (HeuristicRecord h : log.heuristics()) {
      set.add(new BranchKey(new GtridKey(h.gtrid()), h.branch().bqual()));
    }
    return set;
  }

  private static Map<GtridKey, CommitRecord> byGtrid(List<CommitRecord> records) {
    Map<GtridKey, CommitRecord> map = new LinkedHashMap<>();
    for (CommitRecord r : records) {
      map.put(new GtridKey(r.gtrid()), r);
    }
    return map;
  }

  static String readable(Xid xid) {
    Optional<ConcordXid> parsed = ConcordXid.parse(xid);
    return parsed.map(ConcordXid::toString).orElseGet(() -> XidKey.of(xid).toString());
  }

  static String readableGtrid(GtridKey gtrid) {
    byte[] bytes = gtrid.bytes();
    Optional<ConcordXid> parsed = ConcordXid.fromParts(ConcordXid.FORMAT_ID, bytes, FIRST_BRANCH);
    return parsed
        .map(x -> "CONC:" + x.nodeId() + ":" + x.incarnation() + ":" + x.counter())
        .orElse(gtrid.hex());
  }

  static String gtridHex(Xid xid) {
    return new GtridKey(xid.getGlobalTransactionId()).hex();
  }
}
