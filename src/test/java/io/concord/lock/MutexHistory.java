package io.concord.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** A recorded history of acquire and release operations, for {@link MutexHistoryChecker}. */
final class MutexHistory {
  enum Kind {
    ACQUIRE,
    RELEASE
  }

  /**
   * One completed operation: {@code invoke} and {@code complete} are timestamps on one clock (the
   * true effect happened somewhere in between); {@code token} is the fencing token of an acquire.
   */
  record Op(int process, Kind kind, long invoke, long complete, long token) {
    static Op parse(String line) {
      String[] f = line.trim().split(" ");
      return new Op(
          Integer.parseInt(f[1]),
          Kind.valueOf(f[2]),
          Long.parseLong(f[3]),
          Long.parseLong(f[4]),
          Long.parseLong(f[5]));
    }

    String format() {
      return "OP " + process + " " + kind + " " + invoke + " " + complete + " " + token;
    }
  }

  private final ReentrantLock mutex = new ReentrantLock();
  private final List<Op> ops = new ArrayList<>();

  void add(Op op) {
    mutex.lock();
    try {
      ops.add(op);
    } finally {
      mutex.unlock();
    }
  }

  List<Op> ops() {
    mutex.lock();
    try {
      return List.copyOf(ops);
    } finally {
      mutex.unlock();
    }
  }
}
