package io.concord.log;

/**
 * A segment holds bytes that are not a valid log where valid data must be (not a torn tail of the
 * newest segment). The message names the file and the byte offset of the damage. Start-up stops:
 * nothing in the log is ever skipped silently. An operator may set the damaged segment aside with
 * {@link LogOptions.Builder#setAsideDamagedSegments(boolean)}.
 */
public final class LogCorruptedException extends LogException {
  private static final long serialVersionUID = 1L;

  public LogCorruptedException(String message) {
    super(message);
  }
}
