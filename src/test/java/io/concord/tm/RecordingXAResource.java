package io.concord.tm;

import io.concord.xa.ConcordXid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.FirstResource;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceWrapper;

/**
 * A scripted XAResource that writes every call into a shared {@link CallJournal} as {@code
 * "<name>.<call>"} (e.g. {@code "a.prepare"}, {@code "b.commit(1pc)"}), so that tests assert the
 * exact XA sequence the TM sends. Failures are scripted per call name.
 */
class RecordingXAResource implements XAResourceWrapper {
  final String name;
  final CallJournal journal;
  private final Map<String, Throwable> failures = new HashMap<>();
  private final Map<String, Consumer<Xid>> hooks = new HashMap<>();
  private int vote = XA_OK;
  final List<Xid> xids = new ArrayList<>();

  RecordingXAResource(String name, CallJournal journal) {
    this.name = name;
    this.journal = journal;
  }

  /**
   * Makes {@code call} ("start", "end", "prepare", "commit", "commit(1pc)", "rollback", "forget")
   * throw.
   */
  RecordingXAResource failOn(String call, int xaErrorCode) {
    failures.put(call, new XAException(xaErrorCode));
    return this;
  }

  RecordingXAResource failOn(String call, Throwable failure) {
    failures.put(call, failure);
    return this;
  }

  /** Runs {@code hook} when {@code call} is made, before it is answered. */
  RecordingXAResource on(String call, Consumer<Xid> hook) {
    hooks.put(call, hook);
    return this;
  }

  RecordingXAResource voteReadOnly() {
    vote = XA_RDONLY;
    return this;
  }

  private void record(String call, Xid xid) throws XAException {
    journal.add(name + "." + call);
    Consumer<Xid> hook = hooks.get(call);
    if (hook != null) {
      hook.accept(xid);
    }
    Throwable failure = failures.get(call);
    if (failure instanceof XAException xa) {
      XAException copy = new XAException(xa.getMessage());
      copy.errorCode = xa.errorCode;
      throw copy;
    }
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
  }

  @Override
  public void start(Xid xid, int flags) throws XAException {
    xids.add(xid);
    record(flags == TMNOFLAGS ? "start" : "start(" + flags + ")", xid);
  }

  @Override
  public void end(Xid xid, int flags) throws XAException {
    String flag =
        switch (flags) {
          case TMSUCCESS -> "TMSUCCESS";
          case TMFAIL -> "TMFAIL";
          case TMSUSPEND -> "TMSUSPEND";
          default -> String.valueOf(flags);
        };
    record("end(" + flag + ")", xid);
  }

  @Override
  public int prepare(Xid xid) throws XAException {
    record("prepare", xid);
    return vote;
  }

  @Override
  public void commit(Xid xid, boolean onePhase) throws XAException {
    record(onePhase ? "commit(1pc)" : "commit", xid);
  }

  @Override
  public void rollback(Xid xid) throws XAException {
    record("rollback", xid);
  }

  @Override
  public void forget(Xid xid) throws XAException {
    record("forget", xid);
  }

  @Override
  public Xid[] recover(int flag) {
    return new Xid[0];
  }

  @Override
  public boolean isSameRM(XAResource other) {
    return true; // a TM that trusted this would TMJOIN; Concord must not
  }

  @Override
  public int getTransactionTimeout() {
    return 0;
  }

  @Override
  public boolean setTransactionTimeout(int seconds) {
    return false;
  }

  @Override
  public XAResource getResource() {
    return this;
  }

  @Override
  public String getProductName() {
    return "Recording";
  }

  @Override
  public String getProductVersion() {
    return "1";
  }

  @Override
  public String getJndiName() {
    return "java:/test/" + name;
  }

  ConcordXid lastXid() {
    return ConcordXid.parse(xids.get(xids.size() - 1)).orElseThrow();
  }

  @Override
  public String toString() {
    return "RecordingXAResource[" + name + "]";
  }

  /** Implements {@link FirstResource}: prepared before every other resource. */
  static final class First extends RecordingXAResource implements FirstResource {
    First(String name, CallJournal journal) {
      super(name, journal);
    }
  }

  /** Implements {@link LastResource}: committed one-phase after every XA branch prepared. */
  static final class Last extends RecordingXAResource implements LastResource {
    Last(String name, CallJournal journal) {
      super(name, journal);
    }
  }
}
