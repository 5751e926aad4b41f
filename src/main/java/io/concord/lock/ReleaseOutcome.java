package io.concord.lock;

/**
 * What a release found: whether the lock was still held right up to the release, and if not, why.
 */
record ReleaseOutcome(boolean heldUntilRelease, String reason, Throwable cause) {
  static final ReleaseOutcome HELD = new ReleaseOutcome(true, null, null);

  static ReleaseOutcome lost(String reason, Throwable cause) {
    return new ReleaseOutcome(false, reason, cause);
  }
}
