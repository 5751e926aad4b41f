package io.concord.transactional;

import io.concord.log.ForceMode;
import io.concord.log.LogException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.tm.ConcordTransactionManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * One Concord TransactionManager per test JVM, on a log in a temporary directory. The log is not
 * forced (ForceMode.NONE): these tests are about interception semantics, not durability.
 */
final class ConcordTransactionManagerForTests {
  private static final Object LOCK = new Object();
  private static ConcordTransactionManager instance;

  private ConcordTransactionManagerForTests() {}

  static ConcordTransactionManager transactionManager() {
    synchronized (LOCK) {
      if (instance == null) {
        instance = open();
      }
      return instance;
    }
  }

  private static ConcordTransactionManager open() {
    try {
      Path directory = Files.createTempDirectory("concord-transactional-log-");
      String nodeId = "tx-" + UUID.randomUUID().toString().substring(0, 8);
      TransactionLog log =
          TransactionLog.open(
              LogOptions.builder(directory).nodeId(nodeId).forceMode(ForceMode.NONE).build());
      ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(nodeId).build();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    tm.close();
                    log.close();
                  },
                  "close concord test transaction manager"));
      return tm;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (LogException e) {
      throw new IllegalStateException("could not open the test transaction log", e);
    }
  }
}
