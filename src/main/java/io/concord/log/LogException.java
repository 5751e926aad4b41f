package io.concord.log;

/** A failure of the transaction log. The message names the file and offset when there is one. */
public class LogException extends Exception {
  private static final long serialVersionUID = 1L;

  public LogException(String message) {
    super(message);
  }

  public LogException(String message, Throwable cause) {
    super(message, cause);
  }
}
