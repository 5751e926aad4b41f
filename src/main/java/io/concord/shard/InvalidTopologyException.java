package io.concord.shard;

/**
 * A topology that cannot route correctly: a slot owned by no shard or by two, a weight that is not
 * positive, a duplicate shard name, a malformed file. The message says what and where.
 */
public final class InvalidTopologyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidTopologyException(String message) {
    super(message);
  }

  public InvalidTopologyException(String message, Throwable cause) {
    super(message, cause);
  }
}
