package io.concord.log;

/**
 * A write or {@code force()} of the log failed. The log instance is dead from then on: every later
 * append throws this exception too, and nothing pretends to be durable. The transaction manager
 * maps it to {@code SystemException}. Reopen the log (after fixing the disk) to continue.
 */
public final class LogFailedException extends LogException {
  private static final long serialVersionUID = 1L;

  public LogFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
