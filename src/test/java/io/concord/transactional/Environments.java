package io.concord.transactional;

import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Every (proxy kind, TransactionManager) pair a behaviour test runs in, and shared fixtures. */
final class Environments {
  private static final Map<String, TransactionalServices> SERVICES = new ConcurrentHashMap<>();

  private Environments() {}

  /** Arguments (ProxyKind, TransactionManagerUnderTest) for {@code @MethodSource}. */
  static Stream<Arguments> all() {
    return TransactionManagerUnderTest.all().stream()
        .flatMap(tm -> Arrays.stream(ProxyKind.values()).map(kind -> Arguments.of(kind, tm)));
  }

  /** One TransactionalServices per TransactionManager, so generated subclasses are reused. */
  static TransactionalServices services(TransactionManagerUnderTest tm) {
    return SERVICES.computeIfAbsent(
        tm.toString(), name -> TransactionalServices.using(tm.transactionManager()));
  }

  /** Rolls back whatever a failed test left on the thread, so one failure does not cascade. */
  static void clearThread(TransactionManager transactionManager) throws SystemException {
    InterceptionScope.current().exit(null);
    if (transactionManager != null && transactionManager.getTransaction() != null) {
      transactionManager.rollback();
    }
  }
}
