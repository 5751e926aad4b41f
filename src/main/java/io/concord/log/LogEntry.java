package io.concord.log;

/** One record of the log as the codec sees it; each variant is one record type on disk. */
sealed interface LogEntry {

  /** The number of this open of the directory; the newest one read is the current incarnation. */
  record Incarnation(long value) implements LogEntry {}

  /** The commit decision of a transaction (forced before phase 2). */
  record Commit(CommitRecord record) implements LogEntry {}

  /** Every branch of the transaction is confirmed; its COMMIT is no longer live. */
  record End(GtridKey gtrid) implements LogEntry {}

  /** A heuristic outcome of one branch. */
  record Heuristic(HeuristicRecord record) implements LogEntry {}

  /** An operator resolved every heuristic of the transaction. */
  record Forget(GtridKey gtrid) implements LogEntry {}

  /**
   * Starts one write of the writer: the byte length and count of the frames that follow. Lets the
   * reader tell a torn last write (truncated) from damage to data that was forced (corruption).
   */
  record Batch(int frameBytes, int frameCount) implements LogEntry {}

  /**
   * Ends the snapshot of live records at the start of every segment: {@code recordCount} records
   * precede it. A segment is complete from here on, so older segments can be deleted.
   */
  record Checkpoint(int recordCount) implements LogEntry {}
}
