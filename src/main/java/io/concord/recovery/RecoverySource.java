package io.concord.recovery;

import java.time.Duration;
import java.util.List;
import org.jboss.tm.XAResourceRecovery;

/**
 * A registered {@link XAResourceRecovery} and what recovery remembers about it between passes: its
 * back-off after failures, the names of the resources it last handed out, and whether it is known
 * to hand out no last-resource marker resource.
 */
final class RecoverySource {
  final XAResourceRecovery recovery;
  private int failures;
  private long nextAttemptNanos;
  private volatile List<String> lastNames = List.of();
  private boolean knownWithoutMarkers;

  RecoverySource(XAResourceRecovery recovery) {
    this.recovery = recovery;
  }

  /** False while the source is backing off after a failure. */
  boolean due(long nowNanos) {
    return failures == 0 || nowNanos - nextAttemptNanos >= 0;
  }

  long nextAttemptNanos() {
    return nextAttemptNanos;
  }

  boolean backingOff() {
    return failures > 0;
  }

  /** Doubles the back-off from {@code initial} up to {@code max} with every consecutive failure. */
  void failed(long nowNanos, Duration initial, Duration max) {
    failures++;
    long delay = initial.toNanos();
    for (int i = 1; i < failures && delay < max.toNanos(); i++) {
      delay *= 2;
    }
    nextAttemptNanos = nowNanos + Math.min(delay, max.toNanos());
  }

  void succeeded() {
    failures = 0;
  }

  /**
   * Remembers a successful call: the names of its resources and whether any was a last-resource
   * marker resource. A source never seen to hand out one may fail without blocking orphan rollback.
   */
  void handedOut(List<String> names, boolean anyMarkerResource) {
    lastNames = List.copyOf(names);
    knownWithoutMarkers = !anyMarkerResource;
  }

  boolean knownWithoutMarkers() {
    return knownWithoutMarkers;
  }

  /** The names of its resources when known, else the source's own description. */
  String label() {
    List<String> names = lastNames;
    if (!names.isEmpty()) {
      return String.join(", ", names);
    }
    String description;
    try {
      description = recovery.toString();
    } catch (RuntimeException e) {
      description = recovery.getClass().getName();
    }
    return "recovery source " + description;
  }
}
