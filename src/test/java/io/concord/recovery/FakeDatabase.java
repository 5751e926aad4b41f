package io.concord.recovery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceWrapper;

/**
 * An in-memory resource manager for unit tests: a set of prepared Xids that recovery sessions list
 * and complete, with the driver behaviours recovery must survive switchable per test (H2's one
 * rollback per listing, MariaDB's answers, scripted error codes, unreachable periods).
 */
final class FakeDatabase {

  /** Which driver the fake imitates in its answers. */
  enum Flavour {
    PLAIN,
    /** rollback() only works once per non-empty recover() on the same session, else OK no-op. */
    H2,
    /** product name MariaDB (XA_RB* on commit means a read-only branch). */
    MARIADB
  }

  final String name;
  final Flavour flavour;
  final boolean lastResource;
  final Map<XidKey, Xid> prepared = new LinkedHashMap<>();
  final List<String> committed = new ArrayList<>();
  final List<String> rolledBack = new ArrayList<>();
  final List<String> forgotten = new ArrayList<>();
  final AtomicInteger recoverCalls = new AtomicInteger();
  final AtomicInteger sessionsOpened = new AtomicInteger();
  final AtomicInteger sessionsClosed = new AtomicInteger();

  /** When set, getXAResources() throws it (the source itself is down). */
  volatile RuntimeException sourceDown;

  /** When set, recover() throws XAER_RMFAIL (the database is unreachable). */
  volatile boolean down;

  /**
   * Scripted answers: called on commit/rollback before the fake acts; a non-null XAException is
   * thrown instead. The function may change {@link #prepared} to imitate what the driver did.
   */
  volatile Function<Call, XAException> script = call -> null;

  /** How many sessions (connections) each getXAResources() call hands out. */
  volatile int sessionsPerScan = 1;

  /** Called at the start of every recover(), e.g. to let a "TM" act concurrently. */
  volatile Runnable onRecover = () -> {};

  /** A completion request seen by the fake. */
  record Call(String operation, Xid xid, int attempt, Session session) {}

  private final Map<XidKey, Integer> attempts = new LinkedHashMap<>();

  FakeDatabase(String name, Flavour flavour, boolean lastResource) {
    this.name = name;
    this.flavour = flavour;
    this.lastResource = lastResource;
  }

  static FakeDatabase plain(String name) {
    return new FakeDatabase(name, Flavour.PLAIN, false);
  }

  synchronized void prepare(Xid xid) {
    prepared.put(XidKey.of(xid), xid);
  }

  synchronized boolean isPrepared(Xid xid) {
    return prepared.containsKey(XidKey.of(xid));
  }

  synchronized int preparedCount() {
    return prepared.size();
  }

  /** A recovery source handing out a fresh session per call, as Concord DataSources do. */
  XAResourceRecovery recovery() {
    return new XAResourceRecovery() {
      @Override
      public XAResource[] getXAResources() {
        RuntimeException failure = sourceDown;
        if (failure != null) {
          throw failure;
        }
        XAResource[] sessions = new XAResource[sessionsPerScan];
        for (int i = 0; i < sessions.length; i++) {
          sessionsOpened.incrementAndGet();
          sessions[i] = lastResource ? new MarkerSession() : new Session();
        }
        return sessions;
      }

      @Override
      public String toString() {
        return "fake source " + name;
      }
    };
  }

  /** One recovery connection. */
  class Session implements XAResourceWrapper, AutoCloseable {
    private boolean preparedFlag;
    private boolean closed;

    @Override
    public Xid[] recover(int flag) throws XAException {
      onRecover.run();
      recoverCalls.incrementAndGet();
      if (down) {
        XAException e = new XAException("connection refused: " + name);
        e.errorCode = XAException.XAER_RMFAIL;
        throw e;
      }
      synchronized (FakeDatabase.this) {
        if (flavour != Flavour.H2 && (flag & TMSTARTRSCAN) == 0) {
          return new Xid[0];
        }
        preparedFlag = !prepared.isEmpty();
        return prepared.values().toArray(new Xid[0]);
      }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
      XAException scripted = scripted("commit", xid);
      if (scripted != null) {
        throw scripted;
      }
      synchronized (FakeDatabase.this) {
        if (prepared.remove(XidKey.of(xid)) == null) {
          XAException e = new XAException("unknown xid");
          e.errorCode = XAException.XAER_NOTA;
          throw e;
        }
        committed.add(XidKey.of(xid).toString());
      }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
      XAException scripted = scripted("rollback", xid);
      if (scripted != null) {
        throw scripted;
      }
      synchronized (FakeDatabase.this) {
        if (flavour == Flavour.H2) {
          if (!preparedFlag) {
            return; // H2: a local rollback that does nothing, answering OK
          }
          preparedFlag = false;
        }
        if (prepared.remove(XidKey.of(xid)) == null) {
          XAException e = new XAException("unknown xid");
          e.errorCode = XAException.XAER_NOTA;
          throw e;
        }
        rolledBack.add(XidKey.of(xid).toString());
      }
    }

    private XAException scripted(String operation, Xid xid) {
      if (down) {
        XAException e = new XAException("connection lost: " + name);
        e.errorCode = XAException.XAER_RMFAIL;
        return e;
      }
      int attempt;
      synchronized (FakeDatabase.this) {
        attempt = attempts.merge(XidKey.of(xid), 1, Integer::sum);
      }
      return script.apply(new Call(operation, xid, attempt, this));
    }

    @Override
    public void forget(Xid xid) {
      synchronized (FakeDatabase.this) {
        prepared.remove(XidKey.of(xid));
        forgotten.add(XidKey.of(xid).toString());
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        sessionsClosed.incrementAndGet();
      }
    }

    @Override
    public XAResource getResource() {
      return this;
    }

    @Override
    public String getProductName() {
      return flavour == Flavour.MARIADB ? "MariaDB" : "FakeDB";
    }

    @Override
    public String getProductVersion() {
      return "1.0";
    }

    @Override
    public String getJndiName() {
      return name;
    }

    @Override
    public void end(Xid xid, int flags) {
      throw new UnsupportedOperationException("recovery never ends a branch");
    }

    @Override
    public int getTransactionTimeout() {
      return 0;
    }

    @Override
    public boolean isSameRM(XAResource other) {
      return other == this;
    }

    @Override
    public int prepare(Xid xid) {
      throw new UnsupportedOperationException("recovery never prepares");
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
      return false;
    }

    @Override
    public void start(Xid xid, int flags) {
      throw new UnsupportedOperationException("recovery never starts a branch");
    }
  }

  /** A last-resource marker session: lists marker Xids; commit deletes the marker. */
  final class MarkerSession extends Session implements LastResource {}
}
