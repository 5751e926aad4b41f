package io.concord.recovery;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * When each in-doubt branch without a COMMIT record was first seen. A branch is rolled back only
 * when a later scan, at least the grace period after the first, still lists it (presumed abort,
 * guarded against a transaction of this process between prepare and its COMMIT record). A branch
 * missing from a scan starts over.
 */
final class OrphanSightings {
  private final Map<XidKey, Long> firstSeen = new HashMap<>();

  /**
   * Records a sighting in the pass that started at {@code passNanos}; true when rollback is due.
   */
  boolean seen(XidKey key, long passNanos, long graceNanos) {
    long first = firstSeen.computeIfAbsent(key, k -> passNanos);
    return first != passNanos && passNanos - first >= graceNanos;
  }

  /** Forgets every branch not sighted in the current pass. */
  void retainOnly(Set<XidKey> sightedThisPass) {
    firstSeen.keySet().retainAll(sightedThisPass);
  }

  void forget(XidKey key) {
    firstSeen.remove(key);
  }

  /** When the earliest tracked branch becomes due, if any is tracked. */
  OptionalLong nextDueNanos(long graceNanos) {
    return firstSeen.values().stream().mapToLong(first -> first + graceNanos).min();
  }

  int size() {
    return firstSeen.size();
  }
}
