package io.concord.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The records still needed: COMMITs without an END, HEURISTICs without a FORGET, and the newest
 * incarnation. Rebuilt from the segments at open, then changed only by the writer thread after it
 * wrote a record; read by any thread.
 */
final class LiveState {

  private record HeuristicKey(GtridKey gtrid, BranchRecord branch) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<GtridKey, CommitRecord> commits = new LinkedHashMap<>();
  private final Map<HeuristicKey, HeuristicRecord> heuristics = new LinkedHashMap<>();
  private long incarnation;

  void apply(LogEntry entry) {
    lock.lock();
    try {
      applyLocked(entry);
    } finally {
      lock.unlock();
    }
  }

  /** Applies a written batch under one lock acquisition. */
  void applyAll(List<LogWriter.Pending> batch) {
    lock.lock();
    try {
      for (LogWriter.Pending pending : batch) {
        applyLocked(pending.entry);
      }
    } finally {
      lock.unlock();
    }
  }

  private void applyLocked(LogEntry entry) {
    if (entry instanceof LogEntry.Commit commit) {
      commits.put(new GtridKey(commit.record().gtrid()), commit.record());
    } else if (entry instanceof LogEntry.End end) {
      commits.remove(end.gtrid());
    } else if (entry instanceof LogEntry.Heuristic heuristic) {
      HeuristicRecord record = heuristic.record();
      heuristics.put(new HeuristicKey(new GtridKey(record.gtrid()), record.branch()), record);
    } else if (entry instanceof LogEntry.Forget forget) {
      heuristics.keySet().removeIf(key -> key.gtrid().equals(forget.gtrid()));
    } else if (entry instanceof LogEntry.Incarnation value) {
      incarnation = Math.max(incarnation, value.value());
    }
  }

  /** Forgets everything: a segment's snapshot replaces what older segments said. */
  void clear() {
    lock.lock();
    try {
      commits.clear();
      heuristics.clear();
    } finally {
      lock.unlock();
    }
  }

  List<CommitRecord> commits() {
    lock.lock();
    try {
      return new ArrayList<>(commits.values());
    } finally {
      lock.unlock();
    }
  }

  List<HeuristicRecord> heuristics() {
    lock.lock();
    try {
      return new ArrayList<>(heuristics.values());
    } finally {
      lock.unlock();
    }
  }

  long incarnation() {
    lock.lock();
    try {
      return incarnation;
    } finally {
      lock.unlock();
    }
  }

  /** The records that carry this state into a new segment (the snapshot before CHECKPOINT). */
  List<LogEntry> snapshot() {
    lock.lock();
    try {
      List<LogEntry> entries = new ArrayList<>(1 + commits.size() + heuristics.size());
      entries.add(new LogEntry.Incarnation(incarnation));
      commits.values().forEach(record -> entries.add(new LogEntry.Commit(record)));
      heuristics.values().forEach(record -> entries.add(new LogEntry.Heuristic(record)));
      return entries;
    } finally {
      lock.unlock();
    }
  }
}
