package io.concord.lock;

import jakarta.transaction.TransactionSynchronizationRegistry;
import java.net.InetAddress;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distributed locks on database advisory locks, with fencing tokens. Maps a lock name to a lock on
 * a lock database: the default one, a named one ({@link #on(String)}), or the one that owns a shard
 * key ({@link #forShardKey(Object)}).
 *
 * <pre>{@code
 * LockService locks = LockService.builder()
 *     .namespace("billing")
 *     .database(LockDatabase.builder("main").jdbcUrl(url).user(u).password(p).build())
 *     .build();
 * try (LockHandle lock = locks.acquire("invoice-run", Duration.ofSeconds(5))) {
 *   fenceGuard.admit(connection, "invoices", lock.fencingToken());
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. One instance per process and set of lock databases; {@link #close()} ends every
 * lock connection (the server then drops their locks).
 */
public final class LockService implements Locks, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LockService.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final String namespace;
  private final Map<String, DatabaseLocks> databases;
  private final DatabaseLocks defaultDatabase;
  private final LockPlacement placement;
  private final TransactionSynchronizationRegistry registry;
  private final List<LockLostListener> listeners;
  private final ScheduledThreadPoolExecutor keepAlive;
  private final String identity;

  private LockService(Builder b) {
    this.namespace = b.namespace;
    this.placement = b.placement;
    this.registry = b.registry;
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.identity = processIdentity();
    this.keepAlive =
        new ScheduledThreadPoolExecutor(
            2,
            task -> {
              Thread thread =
                  new Thread(task, "concord-lock-keepalive-" + THREADS.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    keepAlive.setRemoveOnCancelPolicy(true);
    Map<String, DatabaseLocks> built = new LinkedHashMap<>();
    for (LockDatabase database : b.databases) {
      built.put(database.name(), new DatabaseLocks(database, this));
    }
    this.databases = built;
    this.defaultDatabase =
        b.defaultDatabase == null ? built.values().iterator().next() : built.get(b.defaultDatabase);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The locks on the lock database named {@code database}. */
  public Locks on(String database) {
    DatabaseLocks locks = databases.get(database);
    if (locks == null) {
      throw new IllegalArgumentException(
          "no lock database named '" + database + "'; configured: " + databases.keySet());
    }
    return locks;
  }

  /**
   * The locks on the database that owns {@code shardKey}, as the configured {@link LockPlacement}
   * (the shard router) says. Lock and protected rows then share a database, which is what makes an
   * advisory lock mean anything for those rows.
   */
  public Locks forShardKey(Object shardKey) {
    if (placement == null) {
      throw new IllegalStateException(
          "forShardKey needs a LockPlacement: configure LockService.builder().placement(...)");
    }
    String database = placement.databaseFor(shardKey);
    DatabaseLocks locks = database == null ? null : databases.get(database);
    if (locks == null) {
      throw new IllegalStateException(
          "the lock placement put shard key '"
              + shardKey
              + "' on database '"
              + database
              + "', which is not a configured lock database "
              + databases.keySet());
    }
    return locks;
  }

  /** Adds a listener told about every lock of this service that is lost while held. */
  public void addLockLostListener(LockLostListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public String database() {
    return defaultDatabase.database();
  }

  @Override
  public LockHandle acquire(String name, Duration timeout) {
    return defaultDatabase.acquire(name, timeout);
  }

  @Override
  public Optional<LockHandle> tryAcquire(String name) {
    return defaultDatabase.tryAcquire(name);
  }

  @Override
  public Optional<LockHandle> tryAcquire(String name, Duration timeout) {
    return defaultDatabase.tryAcquire(name, timeout);
  }

  @Override
  public boolean isHeld(String name) {
    return defaultDatabase.isHeld(name);
  }

  @Override
  public DistributedLock lock(String name) {
    return defaultDatabase.lock(name);
  }

  @Override
  public TransactionLock acquireForTransaction(String name, Duration timeout) {
    return defaultDatabase.acquireForTransaction(name, timeout);
  }

  @Override
  public long acquireInTransaction(Connection connection, String name, Duration timeout) {
    return defaultDatabase.acquireInTransaction(connection, name, timeout);
  }

  /** Ends every lock connection; held locks are reported lost to their listeners. */
  @Override
  public void close() {
    for (DatabaseLocks locks : databases.values()) {
      try {
        locks.close();
      } catch (RuntimeException e) {
        LOG.warn("closing lock database '{}' failed", locks.database(), e);
      }
    }
    keepAlive.shutdownNow();
  }

  // ---------------------------------------------------------------- for DatabaseLocks

  LockKey key(String name) {
    return LockKey.of(namespace, name);
  }

  String identity() {
    return identity;
  }

  ScheduledExecutorService keepAliveExecutor() {
    return keepAlive;
  }

  TransactionSynchronizationRegistry registry() {
    return registry;
  }

  void lockLost(LockLostEvent event) {
    for (LockLostListener listener : listeners) {
      try {
        listener.lockLost(event);
      } catch (RuntimeException e) {
        LOG.warn("a lock-lost listener failed for '{}'", event.lockName(), e);
      }
    }
  }

  private static String processIdentity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "unknown-host";
    }
    return host + " pid " + ProcessHandle.current().pid();
  }

  /** Collects the lock databases and options of a {@link LockService}. */
  public static final class Builder {
    private String namespace = "";
    private final List<LockDatabase> databases = new ArrayList<>();
    private String defaultDatabase;
    private LockPlacement placement;
    private TransactionSynchronizationRegistry registry;
    private final List<LockLostListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Prefixes every lock name (in the 64-bit key), so applications sharing a database do not
     * collide. Default empty.
     */
    public Builder namespace(String namespace) {
      LockKey.checkNamespace(namespace);
      this.namespace = namespace;
      return this;
    }

    /** Adds a lock database; the first one is the default unless {@link #defaultDatabase}. */
    public Builder database(LockDatabase database) {
      Objects.requireNonNull(database, "database");
      for (LockDatabase existing : databases) {
        if (existing.name().equals(database.name())) {
          throw new IllegalArgumentException(
              "two lock databases are named '" + database.name() + "'");
        }
      }
      databases.add(database);
      return this;
    }

    public Builder defaultDatabase(String name) {
      this.defaultDatabase = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Maps shard keys to lock databases for {@link LockService#forShardKey(Object)}. */
    public Builder placement(LockPlacement placement) {
      this.placement = Objects.requireNonNull(placement, "placement");
      return this;
    }

    /** Needed for {@link LockService#acquireForTransaction}: the JTA registry of the TM. */
    public Builder transactionSynchronizationRegistry(TransactionSynchronizationRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public Builder onLockLost(LockLostListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public LockService build() {
      if (databases.isEmpty()) {
        throw new IllegalArgumentException("a LockService needs at least one LockDatabase");
      }
      if (defaultDatabase != null
          && databases.stream().noneMatch(d -> d.name().equals(defaultDatabase))) {
        throw new IllegalArgumentException(
            "default lock database '" + defaultDatabase + "' is not among the configured ones");
      }
      return new LockService(this);
    }
  }
}
