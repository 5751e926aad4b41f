package io.concord.transactional;

import jakarta.transaction.TransactionManager;
import java.util.List;
import java.util.function.Supplier;

/** A JTA implementation the tests run on: the interceptor must behave the same on every one. */
final class TransactionManagerUnderTest {
  private final String name;
  private final Supplier<TransactionManager> transactionManager;

  private TransactionManagerUnderTest(
      String name, Supplier<TransactionManager> transactionManager) {
    this.name = name;
    this.transactionManager = transactionManager;
  }

  static List<TransactionManagerUnderTest> all() {
    return List.of(
        new TransactionManagerUnderTest(
            "Concord", ConcordTransactionManagerForTests::transactionManager),
        new TransactionManagerUnderTest(
            "Narayana", NarayanaTransactionManager::transactionManager));
  }

  TransactionManager transactionManager() {
    return transactionManager.get();
  }

  @Override
  public String toString() {
    return name;
  }
}
