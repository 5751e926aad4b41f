package io.concord.recovery;

import io.concord.log.HeuristicOutcome;
import io.concord.xa.XaErrorClassification;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.LastResource;
import org.jboss.tm.XAResourceWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One XAResource handed out by an {@link org.jboss.tm.XAResourceRecovery} for one recovery pass:
 * its stable name, what it lists as in doubt, and single completion attempts whose answers are
 * classified for recovery, where nothing but a fresh {@code recover()} is trusted.
 *
 * <p>Why every completion is verified by listing again: H2 rolls back an in-doubt branch only on a
 * connection whose last {@code recover()} listed something, and only one per listing (its {@code
 * rollback} answers OK and does nothing otherwise); MariaDB answers {@code XAER_NOTA} while the
 * preparing session lives; pgjdbc answers {@code XAER_RMERR} for a still-prepared branch after its
 * backend was killed. A branch is done when the resource no longer lists it.
 */
final class ResourceSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceSession.class);

  /** How a single completion attempt ended, before verification. */
  enum Answer {
    /** The call returned normally (or with the heuristic code that agrees with the decision). */
    OK,
    /** A heuristic outcome that contradicts (or may contradict) the decision. */
    HEURISTIC,
    /**
     * MariaDB's {@code XA_RBROLLBACK} answering the commit of a branch whose session disconnected:
     * what MariaDB does for a read-only branch (reference §3.4, M19); there was nothing to commit.
     */
    READ_ONLY_GONE,
    /** Anything else: the truth is whatever {@code recover()} lists next. */
    RECHECK
  }

  /** The answer to one attempt, with the heuristic outcome and failure when there was one. */
  record Attempt(Answer answer, HeuristicOutcome outcome, Throwable failure, boolean forget) {
    String describe() {
      return failure == null ? "OK" : XaErrorClassification.describe(failure);
    }
  }

  private final XAResource resource;
  private final String name;
  private final boolean named;
  private final boolean lastResource;
  private Map<XidKey, Xid> listing = Map.of();
  private Throwable failure;

  ResourceSession(XAResource resource) {
    this.resource = resource;
    String jndi = jndiName(resource);
    this.named = jndi != null;
    this.name =
        named
            ? jndi
            : resource.getClass().getName()
                + "@"
                + Integer.toHexString(System.identityHashCode(resource));
    this.lastResource = resource instanceof LastResource;
  }

  private static String jndiName(XAResource resource) {
    if (resource instanceof XAResourceWrapper wrapper) {
      try {
        String jndi = wrapper.getJndiName();
        return jndi == null || jndi.isBlank() ? null : jndi;
      } catch (RuntimeException e) {
        LOG.warn("XAResourceWrapper {} cannot tell its JNDI name: {}", resource.getClass(), e);
      }
    }
    return null;
  }

  private static boolean isMariaDb(XAResource resource) {
    if (resource.getClass().getName().startsWith("org.mariadb.")) {
      return true;
    }
    if (resource instanceof XAResourceWrapper wrapper) {
      try {
        String product = wrapper.getProductName();
        if (product != null && product.toLowerCase(Locale.ROOT).contains("mariadb")) {
          return true;
        }
        XAResource inner = wrapper.getResource();
        return inner != null
            && inner != resource
            && inner.getClass().getName().startsWith("org.mariadb.");
      } catch (RuntimeException e) {
        return false;
      }
    }
    return false;
  }

  /** The stable resource name (the JNDI name), or class name and identity when it has none. */
  String name() {
    return name;
  }

  /** False when the resource does not name itself: its branches cannot be matched to records. */
  boolean named() {
    return named;
  }

  /** True for a last-resource recovery resource: it lists marker rows, not in-doubt branches. */
  boolean lastResource() {
    return lastResource;
  }

  /** Name plus product and version, for messages. */
  String describe() {
    if (resource instanceof XAResourceWrapper wrapper) {
      try {
        String product = wrapper.getProductName();
        if (product != null && !product.isBlank()) {
          String version = wrapper.getProductVersion();
          return name + " (" + product + (version == null ? "" : " " + version) + ")";
        }
      } catch (RuntimeException e) {
        return name;
      }
    }
    return name;
  }

  /** True once listing or verification failed: the session is not used again in this pass. */
  boolean failed() {
    return failure != null;
  }

  Throwable failure() {
    return failure;
  }

  /** The latest successful listing. */
  Map<XidKey, Xid> listing() {
    return listing;
  }

  /**
   * Lists the in-doubt Xids: {@code recover(TMSTARTRSCAN)} then {@code recover(TMENDRSCAN)}, as two
   * calls (resources such as Agroal's open the connection on the first and close it on the second)
   * and never looping on {@code TMNOFLAGS} (H2 ignores the flags and returns everything each time).
   *
   * @return the listing, also kept as {@link #listing()}
   * @throws RecoveryFailure when the resource cannot be read; the session is then failed
   */
  Map<XidKey, Xid> list() throws RecoveryFailure {
    if (failure != null) {
      throw new RecoveryFailure(describe() + " failed earlier in this pass", failure);
    }
    Map<XidKey, Xid> result = new LinkedHashMap<>();
    try {
      add(result, resource.recover(XAResource.TMSTARTRSCAN));
      add(result, resource.recover(XAResource.TMENDRSCAN));
    } catch (XAException | RuntimeException e) {
      failure = e;
      throw new RecoveryFailure(
          describe() + ": recover() failed: " + XaErrorClassification.describe(e), e);
    }
    listing = Collections.unmodifiableMap(result);
    return listing;
  }

  private static void add(Map<XidKey, Xid> into, Xid[] xids) {
    if (xids == null) {
      return;
    }
    for (Xid xid : xids) {
      if (xid != null) {
        into.putIfAbsent(XidKey.of(xid), xid);
      }
    }
  }

  /** One {@code commit(xid, false)}, classified; never throws. */
  Attempt commit(Xid xid) {
    try {
      resource.commit(xid, false);
      return new Attempt(Answer.OK, null, null, false);
    } catch (XAException | RuntimeException e) {
      int code = XaErrorClassification.errorCodeOf(e);
      if (e instanceof XAException) {
        if (code == XAException.XA_HEURCOM) {
          return new Attempt(Answer.OK, null, e, true);
        }
        if (XaErrorClassification.isRollbackCode(code)) {
          // asked only now: a wrapper may learn its driver (and product) on its first XA call
          return isMariaDb(resource)
              ? new Attempt(Answer.READ_ONLY_GONE, null, e, false)
              : new Attempt(Answer.HEURISTIC, HeuristicOutcome.ROLLED_BACK, e, false);
        }
        HeuristicOutcome outcome = heuristicOf(code);
        if (outcome != null) {
          return new Attempt(Answer.HEURISTIC, outcome, e, true);
        }
      }
      return new Attempt(Answer.RECHECK, null, e, false);
    }
  }

  /** One {@code rollback(xid)}, classified; never throws. */
  Attempt rollback(Xid xid) {
    try {
      resource.rollback(xid);
      return new Attempt(Answer.OK, null, null, false);
    } catch (XAException | RuntimeException e) {
      int code = XaErrorClassification.errorCodeOf(e);
      if (e instanceof XAException) {
        if (code == XAException.XA_HEURRB) {
          return new Attempt(Answer.OK, null, e, true);
        }
        if (XaErrorClassification.isRollbackCode(code)) {
          return new Attempt(Answer.OK, null, e, false);
        }
        HeuristicOutcome outcome = heuristicOf(code);
        if (outcome != null) {
          return new Attempt(Answer.HEURISTIC, outcome, e, true);
        }
      }
      return new Attempt(Answer.RECHECK, null, e, false);
    }
  }

  private static HeuristicOutcome heuristicOf(int code) {
    return switch (code) {
      case XAException.XA_HEURCOM -> HeuristicOutcome.COMMITTED;
      case XAException.XA_HEURRB -> HeuristicOutcome.ROLLED_BACK;
      case XAException.XA_HEURMIX -> HeuristicOutcome.MIXED;
      case XAException.XA_HEURHAZ -> HeuristicOutcome.HAZARD;
      default -> null;
    };
  }

  /** Tells the resource manager to forget a heuristically completed branch; failures are logged. */
  void forget(Xid xid) {
    try {
      resource.forget(xid);
    } catch (XAException | RuntimeException e) {
      LOG.warn(
          "forget({}) on {} failed: {}", xid, describe(), XaErrorClassification.describe(e), e);
    }
  }

  /**
   * Deletes a last-resource marker row: {@code commit(xid, false)} on a last-resource recovery
   * resource (CONTRACTS §2).
   */
  void clearMarker(Xid xid) throws RecoveryFailure {
    try {
      resource.commit(xid, false);
    } catch (XAException | RuntimeException e) {
      throw new RecoveryFailure(
          describe()
              + ": clearing the last-resource marker failed: "
              + XaErrorClassification.describe(e),
          e);
    }
  }

  /**
   * Releases the recovery connection when the resource offers a way ({@link AutoCloseable}, as
   * Agroal's and Concord's recovery resources do).
   */
  @Override
  public void close() {
    if (resource instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.debug("closing recovery resource {} failed: {}", describe(), e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return describe();
  }
}
