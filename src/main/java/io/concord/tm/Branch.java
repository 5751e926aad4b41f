package io.concord.tm;

import io.concord.xa.ConcordXid;
import javax.transaction.xa.XAResource;
import org.jboss.tm.FirstResource;
import org.jboss.tm.LastResource;

/**
 * One enlisted {@link XAResource}: one branch with its own bqual. Never shared between
 * transactions. Mutable; touched by one completing thread at a time (enlistment and completion are
 * serialised by the transaction's lock and completion claim).
 */
final class Branch {

  /** Completion order: {@code FirstResource}s, then ordinary resources, then the last resource. */
  static final int FIRST = 0;

  static final int ORDINARY = 1;
  static final int LAST = 2;

  /** The application's association with the branch (JTA-SPEC "Transaction Association"). */
  static final int ASSOCIATED = 0;

  static final int SUSPENDED = 1;
  static final int DELISTED = 2;

  /** Where the branch is in completion. */
  static final int ACTIVE = 0;

  static final int PREPARED = 1;
  static final int READ_ONLY = 2;
  static final int COMMITTED = 3;
  static final int ROLLED_BACK = 4;

  /** Phase 1 failed without proof that the branch is gone: it still needs a rollback. */
  static final int FAILED = 5;

  /** Phase-2 answer was ambiguous: recovery finishes it. */
  static final int UNKNOWN = 6;

  static final int HEURISTIC = 7;

  final XAResource resource;
  final ConcordXid xid;

  /** The stable resource name written into log records. */
  final String name;

  final int order;

  int association = ASSOCIATED;
  int state = ACTIVE;

  /** True once {@code XAResource.end} was sent to the driver (exactly once, before completion). */
  boolean ended;

  Branch(XAResource resource, ConcordXid xid, String name) {
    this.resource = resource;
    this.xid = xid;
    this.name = name;
    this.order =
        resource instanceof LastResource
            ? LAST
            : resource instanceof FirstResource ? FIRST : ORDINARY;
  }

  /** The name plus product and version, for messages. */
  String describe() {
    return ResourceName.describe(resource, name);
  }

  @Override
  public String toString() {
    return name + " " + xid;
  }
}
