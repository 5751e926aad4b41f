package io.concord.lock;

/**
 * A lock that was held has been lost.
 *
 * @param lockName the name the lock was acquired under
 * @param database the lock database it lived on
 * @param fencingToken the token of the lost hold; writes with it must now be rejected
 * @param reason what was observed, for logs
 * @param cause the exception that revealed the loss, or null
 */
public record LockLostEvent(
    String lockName, String database, long fencingToken, String reason, Throwable cause) {}
