package io.concord.tm;

import io.concord.log.BranchRecord;
import io.concord.xa.ConcordXid;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reuses {@link BranchRecord}s across transactions. A branch record is (resource name, bqual), and
 * bquals are branch numbers 1, 2, …, so the same few values recur in every transaction; building
 * one costs a validation (UTF-8 encoding of the name) and a copy. Records are immutable values, so
 * a racy first publication into the array is harmless. Bounded: names beyond {@link #MAX_NAMES}
 * (e.g. resources without a stable name, each with its own identity) and branch numbers beyond
 * {@link #MAX_BRANCH} are built fresh each time.
 */
final class BranchRecords {
  static final int MAX_NAMES = 1024;
  static final int MAX_BRANCH = 16;

  private final ConcurrentHashMap<String, BranchRecord[]> byName = new ConcurrentHashMap<>();

  BranchRecord of(String name, ConcordXid xid) {
    int branch = xid.branchNumber();
    if (branch > MAX_BRANCH) {
      return new BranchRecord(name, xid.getBranchQualifier());
    }
    BranchRecord[] slots = byName.get(name);
    if (slots == null) {
      if (byName.size() >= MAX_NAMES) {
        return new BranchRecord(name, xid.getBranchQualifier());
      }
      slots = byName.computeIfAbsent(name, n -> new BranchRecord[MAX_BRANCH + 1]);
    }
    BranchRecord record = slots[branch];
    if (record == null) {
      record = new BranchRecord(name, xid.getBranchQualifier());
      slots[branch] = record;
    }
    return record;
  }
}
