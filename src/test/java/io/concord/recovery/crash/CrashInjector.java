package io.concord.recovery.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.transaction.xa.Xid;

/**
 * Fires a {@link CrashPoint} from the XA calls the TM makes on the thread that commits. A worker
 * announces each transaction with {@link #begin(int)} (how many branches it will have); prepare and
 * phase-2 commit events are counted per thread, because the TM runs both phases on the committing
 * thread. One shot: once fired (or paused and resumed), the injector is disarmed.
 */
final class CrashInjector {
  private final CrashPoint point;
  private final String target;
  private final long delayAfterPrepareMillis;
  private final PrintStream out;
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicBoolean fired = new AtomicBoolean();
  private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

  private static final class State {
    int branches;
    int prepared;
    int committed;
  }

  /**
   * @param target the resource name whose branch must trigger the point, or null for any
   * @param delayAfterPrepareMillis a pause after every prepare (keeps branches prepared and in
   *     flight across recovery scans), 0 for none
   */
  CrashInjector(CrashPoint point, String target, long delayAfterPrepareMillis, PrintStream out) {
    this.point = point;
    this.target = target;
    this.delayAfterPrepareMillis = delayAfterPrepareMillis;
    this.out = out;
  }

  /** From now on the next matching event fires. */
  void arm() {
    armed.set(true);
  }

  boolean fired() {
    return fired.get();
  }

  void begin(int branches) {
    State s = state.get();
    s.branches = branches;
    s.prepared = 0;
    s.committed = 0;
  }

  void afterPrepare(String resource, Xid xid) {
    State s = state.get();
    s.prepared++;
    if (s.prepared == 1) {
      maybeFire(CrashPoint.AFTER_FIRST_PREPARE, resource, xid);
    }
    if (s.prepared == s.branches) {
      maybeFire(CrashPoint.AFTER_ALL_PREPARES, resource, xid);
    }
    if (delayAfterPrepareMillis > 0) {
      sleep(delayAfterPrepareMillis);
    }
  }

  /**
   * Around the last resource's one-phase commit: returns false when the commit must not be sent (it
   * is "lost"); throws {@code XAER_RMFAIL} after a commit that must look ambiguous.
   */
  boolean beforeLastResourceCommit(String resource, Xid xid) {
    return !matches(CrashPoint.LOST_LAST_RESOURCE_COMMIT, resource);
  }

  void afterLastResourceCommit(String resource, Xid xid) throws javax.transaction.xa.XAException {
    maybeFire(CrashPoint.AFTER_LAST_RESOURCE_COMMIT, resource, xid);
    if (matches(CrashPoint.AMBIGUOUS_LAST_RESOURCE_COMMIT, resource)) {
      javax.transaction.xa.XAException e =
          new javax.transaction.xa.XAException("injected: connection lost after the commit");
      e.errorCode = javax.transaction.xa.XAException.XAER_RMFAIL;
      throw e;
    }
  }

  /** True (once) when {@code event} is this injector's armed point for {@code resource}. */
  private boolean matches(CrashPoint event, String resource) {
    return event == point
        && armed.get()
        && (target == null || target.equals(resource))
        && fired.compareAndSet(false, true);
  }

  void beforeCommit(String resource, Xid xid) {
    State s = state.get();
    if (s.committed == 0) {
      maybeFire(CrashPoint.AFTER_LOG_FORCE, resource, xid);
    }
    maybeFire(CrashPoint.PAUSE_BEFORE_COMMIT, resource, xid);
  }

  void afterCommit(String resource, Xid xid) {
    State s = state.get();
    s.committed++;
    if (s.committed == 1) {
      maybeFire(CrashPoint.AFTER_FIRST_COMMIT, resource, xid);
    }
    if (s.committed == s.branches) {
      maybeFire(CrashPoint.BEFORE_END, resource, xid);
    }
  }

  private void maybeFire(CrashPoint event, String resource, Xid xid) {
    if (!matches(event, resource)) {
      return;
    }
    if (point == CrashPoint.PAUSE_BEFORE_COMMIT) {
      out.println("PAUSED " + resource + " " + xid);
      waitForGo();
      return;
    }
    out.println("HALT " + point + " " + resource + " " + xid);
    out.flush();
    Runtime.getRuntime().halt(CrashPoint.HALT_STATUS);
  }

  /** Blocks until the harness writes a line "GO" to the child's standard input. */
  private static void waitForGo() {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.trim().equals("GO")) {
          return;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("lost the harness while paused", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
