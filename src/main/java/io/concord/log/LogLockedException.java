package io.concord.log;

/** Another process (or another open {@link TransactionLog} in this JVM) owns the directory. */
public final class LogLockedException extends LogException {
  private static final long serialVersionUID = 1L;

  public LogLockedException(String message) {
    super(message);
  }

  public LogLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
