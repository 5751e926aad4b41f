package io.concord.transactional;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.util.concurrent.atomic.AtomicInteger;

/** Records how the transaction it is registered with ended. */
final class RecordingSynchronization implements Synchronization {
  private final AtomicInteger afterCompletions = new AtomicInteger();
  private volatile int status = Status.STATUS_NO_TRANSACTION;
  private final RuntimeException beforeCompletionFailure;

  RecordingSynchronization() {
    this(null);
  }

  /** One whose beforeCompletion throws {@code failure}, so that commit rolls back instead. */
  RecordingSynchronization(RuntimeException beforeCompletionFailure) {
    this.beforeCompletionFailure = beforeCompletionFailure;
  }

  @Override
  public void beforeCompletion() {
    if (beforeCompletionFailure != null) {
      throw beforeCompletionFailure;
    }
  }

  @Override
  public void afterCompletion(int status) {
    this.status = status;
    afterCompletions.incrementAndGet();
  }

  boolean completed() {
    return afterCompletions.get() > 0;
  }

  boolean committed() {
    return afterCompletions.get() == 1 && status == Status.STATUS_COMMITTED;
  }

  boolean rolledBack() {
    return afterCompletions.get() == 1 && status == Status.STATUS_ROLLEDBACK;
  }

  @Override
  public String toString() {
    return afterCompletions.get() == 0
        ? "not completed"
        : "completed "
            + afterCompletions.get()
            + "x, last "
            + TransactionalInterceptor.statusName(status);
  }
}
