package io.concord.lock;

/**
 * Places a lock on the database that owns a shard key. The configuration layer implements it with
 * the shard router, so that a lock guarding a shard's rows lives in that shard's database (an
 * advisory key is per database: locking on one shard gives no exclusion on another).
 */
@FunctionalInterface
public interface LockPlacement {
  /** The name of the {@link LockDatabase} that owns {@code shardKey}; never null. */
  String databaseFor(Object shardKey);
}
