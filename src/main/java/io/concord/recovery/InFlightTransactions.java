package io.concord.recovery;

import io.concord.tm.ConcordTransactionManager;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.transaction.xa.Xid;

/**
 * Tells recovery which global transactions the transaction manager of this process is still working
 * on, from {@code begin} until its last branch is completed and its END record written (or its
 * rollback finished). Recovery never completes a branch of such a transaction: its own coordinator
 * does, on the connection that prepared it. Wire Concord's TM with {@code
 * InFlightTransactions.of(tm::isInFlight, tm::inFlightXids)}.
 *
 * <p>Required ordering: a transaction leaves the in-flight set only after its COMMIT record (if it
 * has one) is in the log, so that a pass that asks this first and reads the log afterwards never
 * misses a decision.
 */
@FunctionalInterface
public interface InFlightTransactions {

  /**
   * For recovery without a transaction manager in the process (the {@code concord recover} CLI).
   */
  InFlightTransactions NONE = xid -> false;

  /** True while the transaction of this branch (any branch of it) runs or completes here. */
  boolean isInFlight(Xid xid);

  /**
   * The branches of every transaction in flight now, when the TM can list them. A pass takes this
   * before it lists the resources and leaves alone every transaction in it, even one that has
   * finished by the time the pass decides: what the listing says about it may already be stale.
   */
  default Optional<Collection<? extends Xid>> snapshot() {
    return Optional.empty();
  }

  /** The view of Concord's transaction manager. */
  static InFlightTransactions of(ConcordTransactionManager tm) {
    Objects.requireNonNull(tm, "transaction manager is null");
    return of(tm::isInFlight, tm::inFlightXids);
  }

  /** An in-flight view from a membership test and a snapshot of in-flight branches. */
  static InFlightTransactions of(
      Predicate<Xid> isInFlight, Supplier<? extends Collection<? extends Xid>> snapshot) {
    Objects.requireNonNull(isInFlight, "isInFlight is null");
    Objects.requireNonNull(snapshot, "snapshot is null");
    return new InFlightTransactions() {
      @Override
      public boolean isInFlight(Xid xid) {
        return isInFlight.test(xid);
      }

      @Override
      public Optional<Collection<? extends Xid>> snapshot() {
        return Optional.of(snapshot.get());
      }
    };
  }
}
