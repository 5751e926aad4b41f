package io.concord.lock;

import io.concord.lock.MutexHistory.Kind;
import io.concord.lock.MutexHistory.Op;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a recorded history of a lock against the sequential specification of a mutex with fencing
 * tokens: the history must be linearizable (Wing &amp; Gong search, with memoisation as in Lowe's
 * and Knossos' checkers), where
 *
 * <ul>
 *   <li>acquire by p with token t is legal only when nobody holds the lock and t is greater than
 *       every token granted before; the holder becomes p;
 *   <li>release by p is legal only when p holds the lock; then nobody holds it.
 * </ul>
 *
 * Every operation takes effect at one instant between its invocation and completion. Histories must
 * contain only successful operations (a timed-out acquire changes nothing).
 */
final class MutexHistoryChecker {
  private MutexHistoryChecker() {}

  /** Empty when linearizable; otherwise a description of the first problem found. */
  static Optional<String> check(List<Op> history) {
    List<Op> ops = new ArrayList<>(history);
    ops.sort(Comparator.comparingLong(Op::invoke));
    for (Op op : ops) {
      if (op.complete() < op.invoke()) {
        return Optional.of("operation completes before it is invoked: " + op.format());
      }
    }
    Optional<String> overlap = overlappingHolds(ops);
    Search search = new Search(ops);
    if (search.linearizable()) {
      return Optional.empty();
    }
    return Optional.of(
        "not linearizable as a mutex with increasing fencing tokens"
            + overlap
                .map(s -> ": " + s)
                .orElse(
                    " (longest linearizable prefix: "
                        + search.best
                        + " of "
                        + ops.size()
                        + " operations)"));
  }

  /**
   * A direct, readable witness: per process, the interval from an acquire's completion to the next
   * release's invocation is certainly inside its hold; two such intervals must not overlap.
   */
  static Optional<String> overlappingHolds(List<Op> ops) {
    List<long[]> holds = new ArrayList<>(); // {from, to, process, token}
    java.util.Map<Integer, Op> open = new java.util.HashMap<>();
    for (Op op : ops.stream().sorted(Comparator.comparingLong(Op::complete)).toList()) {
      if (op.kind() == Kind.ACQUIRE) {
        open.put(op.process(), op);
      } else {
        Op acquire = open.remove(op.process());
        if (acquire != null) {
          holds.add(new long[] {acquire.complete(), op.invoke(), op.process(), acquire.token()});
        }
      }
    }
    holds.sort(Comparator.comparingLong(h -> h[0]));
    for (int i = 1; i < holds.size(); i++) {
      long[] a = holds.get(i - 1);
      long[] b = holds.get(i);
      if (b[0] < a[1]) {
        return Optional.of(
            "process "
                + (int) a[2]
                + " (token "
                + a[3]
                + ") held the lock during ["
                + a[0]
                + ", "
                + a[1]
                + "] and process "
                + (int) b[2]
                + " (token "
                + b[3]
                + ") during ["
                + b[0]
                + ", "
                + b[1]
                + "]");
      }
      if (b[3] <= a[3]) {
        return Optional.of("fencing token went from " + a[3] + " to " + b[3] + " at the next hold");
      }
    }
    return Optional.empty();
  }

  /** Depth-first search over linearization orders, remembering states already explored. */
  private static final class Search {
    private final List<Op> ops;
    private final Set<String> visited = new HashSet<>();
    int best;

    Search(List<Op> ops) {
      this.ops = ops;
    }

    boolean linearizable() {
      // Iterative DFS: a frame is (linearized set, holder, last token, count).
      record Frame(BitSet done, int holder, long lastToken, int count) {}
      List<Frame> stack = new ArrayList<>();
      stack.add(new Frame(new BitSet(ops.size()), -1, Long.MIN_VALUE, 0));
      while (!stack.isEmpty()) {
        Frame f = stack.remove(stack.size() - 1);
        if (f.count == ops.size()) {
          return true;
        }
        best = Math.max(best, f.count);
        String memo = f.done + "|" + f.holder + "|" + f.lastToken;
        if (!visited.add(memo)) {
          continue;
        }
        int first = f.done.nextClearBit(0);
        long minComplete = Long.MAX_VALUE;
        for (int i = first; i < ops.size(); i++) {
          if (f.done.get(i)) {
            continue;
          }
          Op op = ops.get(i);
          if (op.invoke() > minComplete) {
            break; // sorted by invoke: nothing later can come first
          }
          minComplete = Math.min(minComplete, op.complete());
        }
        for (int i = first; i < ops.size(); i++) {
          if (f.done.get(i)) {
            continue;
          }
          Op op = ops.get(i);
          if (op.invoke() > minComplete) {
            break;
          }
          int holder;
          long lastToken = f.lastToken;
          if (op.kind() == Kind.ACQUIRE) {
            if (f.holder != -1 || op.token() <= f.lastToken) {
              continue;
            }
            holder = op.process();
            lastToken = op.token();
          } else {
            if (f.holder != op.process()) {
              continue;
            }
            holder = -1;
          }
          BitSet done = (BitSet) f.done.clone();
          done.set(i);
          stack.add(new Frame(done, holder, lastToken, f.count + 1));
        }
      }
      return false;
    }
  }
}
