package io.concord.transactional;

import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;

/**
 * What {@code @Transactional} says about one method, resolved once when its proxy or subclass is
 * created so that the call path reads fields instead of annotations.
 */
final class TransactionPolicy {
  private final TxType type;
  private final Class<?>[] rollbackOn;
  private final Class<?>[] dontRollbackOn;
  private final boolean userTransactionAllowed;
  private final String description;

  private TransactionPolicy(
      TxType type, Class<?>[] rollbackOn, Class<?>[] dontRollbackOn, String description) {
    this.type = type;
    this.rollbackOn = rollbackOn;
    this.dontRollbackOn = dontRollbackOn;
    // Transactional's javadoc: UserTransaction may be used only in NOT_SUPPORTED and NEVER scope.
    this.userTransactionAllowed = type == TxType.NOT_SUPPORTED || type == TxType.NEVER;
    this.description = description;
  }

  static TransactionPolicy of(Transactional annotation, String methodDescription) {
    return new TransactionPolicy(
        annotation.value(),
        annotation.rollbackOn().clone(),
        annotation.dontRollbackOn().clone(),
        methodDescription + " @Transactional(" + annotation.value() + ")");
  }

  TxType type() {
    return type;
  }

  boolean userTransactionAllowed() {
    return userTransactionAllowed;
  }

  /**
   * Whether {@code failure}, thrown by the method, must mark the transaction rollback-only:
   * dontRollbackOn first (it takes precedence when both match), then rollbackOn, then the default
   * rule that unchecked exceptions and errors roll back and checked exceptions do not. Matching
   * includes subclasses.
   */
  boolean rollsBackOn(Throwable failure) {
    for (Class<?> type : dontRollbackOn) {
      if (type.isInstance(failure)) {
        return false;
      }
    }
    for (Class<?> type : rollbackOn) {
      if (type.isInstance(failure)) {
        return true;
      }
    }
    return failure instanceof RuntimeException || failure instanceof Error;
  }

  @Override
  public String toString() {
    return description;
  }
}
