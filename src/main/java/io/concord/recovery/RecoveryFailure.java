package io.concord.recovery;

/** A resource could not be read or used during a pass; the message names it and the error. */
final class RecoveryFailure extends Exception {
  private static final long serialVersionUID = 1L;

  RecoveryFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
