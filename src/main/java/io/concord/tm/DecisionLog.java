package io.concord.tm;

import io.concord.log.CommitRecord;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.TransactionLog;

/**
 * The three appends the coordinator makes, as an interface so that tests can make the log fail at
 * the commit point (a real {@code force()} failure cannot be provoked on demand). Production always
 * uses {@link #of(TransactionLog)}.
 */
interface DecisionLog {

  long incarnation();

  /** Returns once the record is forced to disk. */
  void appendCommit(CommitRecord record) throws LogException;

  void appendEnd(byte[] gtrid) throws LogException;

  void appendHeuristic(HeuristicRecord record) throws LogException;

  static DecisionLog of(TransactionLog log) {
    return new DecisionLog() {
      @Override
      public long incarnation() {
        return log.incarnation();
      }

      @Override
      public void appendCommit(CommitRecord record) throws LogException {
        log.appendCommit(record);
      }

      @Override
      public void appendEnd(byte[] gtrid) throws LogException {
        log.appendEnd(gtrid);
      }

      @Override
      public void appendHeuristic(HeuristicRecord record) throws LogException {
        log.appendHeuristic(record);
      }
    };
  }
}
