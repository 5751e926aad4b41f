package io.concord.lock;

/**
 * A write guarded by {@link FenceGuard} carried a fencing token lower than one the storage has
 * already seen: a newer holder of the lock has written since, so this writer's lock is stale.
 */
public final class StaleFencingTokenException extends LockException {
  private static final long serialVersionUID = 1L;

  private final String resource;
  private final long token;
  private final long newestToken;

  StaleFencingTokenException(String resource, long token, long newestToken) {
    super(
        "stale fencing token "
            + token
            + " for '"
            + resource
            + "': a holder with token "
            + newestToken
            + " has already written; this writer no longer holds the lock");
    this.resource = resource;
    this.token = token;
    this.newestToken = newestToken;
  }

  public String resource() {
    return resource;
  }

  public long token() {
    return token;
  }

  /** The highest token the guard had admitted when this one was rejected. */
  public long newestToken() {
    return newestToken;
  }
}
