package io.concord.lock;

import jakarta.transaction.Synchronization;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The locks one JTA transaction holds on one lock database, registered as an interposed
 * synchronization: at completion it marks them released, and releases the session locks that stand
 * in for transaction-level locks on MariaDB and H2.
 */
final class TransactionBoundLocks implements Synchronization {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionBoundLocks.class);

  private final String database;
  private final Map<Long, Bound> locks = new ConcurrentHashMap<>();

  TransactionBoundLocks(String database) {
    this.database = database;
  }

  Bound get(LockKey key) {
    return locks.get(key.value());
  }

  void put(LockKey key, Bound lock) {
    locks.put(key.value(), lock);
  }

  @Override
  public void beforeCompletion() {}

  @Override
  public void afterCompletion(int status) {
    for (Bound lock : locks.values()) {
      lock.complete(database);
    }
  }

  /** A lock of the transaction; {@code handle} is the session lock standing in, if any. */
  static final class Bound implements TransactionLock {
    private final String name;
    private final long token;
    private final SessionHandle handle;
    private volatile boolean completed;

    Bound(String name, long token, SessionHandle handle) {
      this.name = name;
      this.token = token;
      this.handle = handle;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public long fencingToken() {
      return token;
    }

    @Override
    public boolean isHeld() {
      return !completed && (handle == null || handle.isHeld());
    }

    void complete(String database) {
      completed = true;
      if (handle != null) {
        try {
          handle.close();
        } catch (LockLostException e) {
          LOG.warn(
              "transaction lock '{}' on database '{}' had been lost before the transaction"
                  + " completed: {}",
              name,
              database,
              e.getMessage());
        } catch (RuntimeException e) {
          LOG.warn("could not release transaction lock '{}'", name, e);
        }
      }
    }

    @Override
    public String toString() {
      return "TransactionLock[" + name + ", token " + token + (isHeld() ? ", held]" : "]");
    }
  }
}
