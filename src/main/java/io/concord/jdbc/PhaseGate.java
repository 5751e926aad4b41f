package io.concord.jdbc;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.transaction.xa.XAException;

/**
 * Keeps prepares and phase-2 completions of prepared branches from overlapping on one database, for
 * databases that need it: H2 2.x frees a prepared transaction's id before it removes that
 * transaction's prepared record, so a prepare on another connection that takes the freed id in
 * between has its own record deleted, and its branch vanishes at the next crash (see
 * shared/reference/h2-xa-crash-findings.md §1). Prepares run concurrently with each other; a
 * phase-2 commit or rollback of a prepared branch runs alone. Other databases pass straight
 * through.
 */
final class PhaseGate {
  /** A call on the driver that may throw {@link XAException}. */
  @FunctionalInterface
  interface XaCall<T> {
    T run() throws XAException;
  }

  static final PhaseGate OPEN = new PhaseGate(false);

  private final boolean serialises;
  private final Lock prepares;
  private final Lock completions;

  private PhaseGate(boolean serialises) {
    this.serialises = serialises;
    ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    this.prepares = lock.readLock();
    this.completions = lock.writeLock();
  }

  /** The gate for a data source: serialising for H2, open for every other driver. */
  static PhaseGate forDataSource(Object xaDataSource) {
    return xaDataSource.getClass().getName().startsWith("org.h2.") ? new PhaseGate(true) : OPEN;
  }

  boolean serialises() {
    return serialises;
  }

  <T> T prepare(XaCall<T> call) throws XAException {
    return guarded(prepares, call);
  }

  <T> T completePrepared(XaCall<T> call) throws XAException {
    return guarded(completions, call);
  }

  private <T> T guarded(Lock lock, XaCall<T> call) throws XAException {
    if (!serialises) {
      return call.run();
    }
    lock.lock();
    try {
      return call.run();
    } finally {
      lock.unlock();
    }
  }
}
