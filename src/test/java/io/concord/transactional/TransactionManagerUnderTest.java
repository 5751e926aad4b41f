package io.concord.transactional;

import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.util.List;
import java.util.function.Supplier;

/** A JTA implementation the tests run on: the interceptor must behave the same on every one. */
final class TransactionManagerUnderTest {
  private final String name;
  private final Supplier<TransactionManager> transactionManager;
  private final Supplier<UserTransaction> userTransaction;
  private final Supplier<TransactionSynchronizationRegistry> synchronizationRegistry;

  private TransactionManagerUnderTest(
      String name,
      Supplier<TransactionManager> transactionManager,
      Supplier<UserTransaction> userTransaction,
      Supplier<TransactionSynchronizationRegistry> synchronizationRegistry) {
    this.name = name;
    this.transactionManager = transactionManager;
    this.userTransaction = userTransaction;
    this.synchronizationRegistry = synchronizationRegistry;
  }

  static List<TransactionManagerUnderTest> all() {
    return List.of(
        new TransactionManagerUnderTest(
            "Concord",
            ConcordTransactionManagerForTests::transactionManager,
            () -> ConcordTransactionManagerForTests.transactionManager().userTransaction(),
            () ->
                ConcordTransactionManagerForTests.transactionManager()
                    .transactionSynchronizationRegistry()),
        new TransactionManagerUnderTest(
            "Narayana",
            NarayanaTransactionManager::transactionManager,
            NarayanaTransactionManager::userTransaction,
            NarayanaTransactionManager::synchronizationRegistry));
  }

  TransactionManager transactionManager() {
    return transactionManager.get();
  }

  /**
   * The implementation's own UserTransaction (unguarded: what Spring's JtaTransactionManager
   * takes).
   */
  UserTransaction userTransaction() {
    return userTransaction.get();
  }

  TransactionSynchronizationRegistry synchronizationRegistry() {
    return synchronizationRegistry.get();
  }

  @Override
  public String toString() {
    return name;
  }
}
