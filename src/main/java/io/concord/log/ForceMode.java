package io.concord.log;

/** How the log makes a batch durable before acknowledging it. */
public enum ForceMode {
  /**
   * {@code FileChannel.force(false)}: fdatasync. Data is on stable storage when an append returns.
   * The default and the only durable mode.
   */
  FDATASYNC,
  /**
   * No force at all: not of batches, new segments, truncated tails or the directory. <b>Not
   * durable</b>: an operating-system crash or power loss loses acknowledged commits and may leave
   * the log unreadable. Only for tests and for measuring what the force costs.
   */
  NONE
}
