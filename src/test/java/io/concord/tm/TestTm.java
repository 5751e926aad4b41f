package io.concord.tm;

import io.concord.log.CommitRecord;
import io.concord.log.ForceMode;
import io.concord.log.HeuristicRecord;
import io.concord.log.LogException;
import io.concord.log.LogFailedException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A transaction manager on a real log in a temporary directory (not forced: unit tests measure
 * behaviour, not fsync), with a journal for recording resources and a switch that makes the log
 * fail at the commit point.
 */
final class TestTm implements AutoCloseable {
  final Path directory;
  final TransactionLog log;
  final ConcordTransactionManager tm;
  final CallJournal journal = new CallJournal();
  final String nodeId;
  volatile boolean failCommitAppends;

  private TestTm(UnaryOperator<ConcordTransactionManager.Builder> configure) {
    try {
      directory = Files.createTempDirectory("concord-tm-test-");
      nodeId = "t-" + UUID.randomUUID().toString().substring(0, 8);
      log =
          TransactionLog.open(
              LogOptions.builder(directory).nodeId(nodeId).forceMode(ForceMode.NONE).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (LogException e) {
      throw new IllegalStateException(e);
    }
    DecisionLog decisions =
        new DecisionLog() {
          @Override
          public long incarnation() {
            return log.incarnation();
          }

          @Override
          public void appendCommit(CommitRecord record) throws LogException {
            if (failCommitAppends) {
              throw new LogFailedException(
                  "test: the disk refused the force", new java.io.IOException("EIO"));
            }
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
    tm = configure.apply(ConcordTransactionManager.builder(decisions).nodeId(nodeId)).build();
  }

  static TestTm open() {
    return new TestTm(b -> b);
  }

  static TestTm open(UnaryOperator<ConcordTransactionManager.Builder> configure) {
    return new TestTm(configure);
  }

  RecordingXAResource resource(String name) {
    return new RecordingXAResource(name, journal);
  }

  @Override
  public void close() {
    tm.close();
    log.close();
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
