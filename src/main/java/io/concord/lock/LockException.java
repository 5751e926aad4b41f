package io.concord.lock;

/**
 * A lock operation failed: the database went away, the configuration does not allow the request, or
 * the API was misused. The message names the lock and the database.
 */
public class LockException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LockException(String message) {
    super(message);
  }

  public LockException(String message, Throwable cause) {
    super(message, cause);
  }
}
