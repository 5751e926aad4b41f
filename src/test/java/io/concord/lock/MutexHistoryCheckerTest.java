package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.lock.MutexHistory.Kind;
import io.concord.lock.MutexHistory.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker accepts correct mutex histories and rejects every kind of violation. */
class MutexHistoryCheckerTest {

  private static Op acquire(int p, long invoke, long complete, long token) {
    return new Op(p, Kind.ACQUIRE, invoke, complete, token);
  }

  private static Op release(int p, long invoke, long complete) {
    return new Op(p, Kind.RELEASE, invoke, complete, 0);
  }

  @Test
  void acceptsSequentialHolds() {
    List<Op> h =
        List.of(acquire(1, 0, 1, 1), release(1, 2, 3), acquire(2, 4, 5, 2), release(2, 6, 7));
    assertThat(MutexHistoryChecker.check(h)).isEmpty();
  }

  @Test
  void acceptsAWaiterWhoseAcquireOverlapsTheRelease() {
    // Process 2 starts waiting while 1 holds; it completes after 1's release started.
    List<Op> h =
        List.of(acquire(1, 0, 1, 1), acquire(2, 2, 10, 2), release(1, 5, 11), release(2, 12, 13));
    assertThat(MutexHistoryChecker.check(h)).isEmpty();
  }

  @Test
  void rejectsTwoHoldersAtOnce() {
    List<Op> h =
        List.of(acquire(1, 0, 1, 1), acquire(2, 2, 3, 2), release(1, 4, 5), release(2, 6, 7));
    assertThat(MutexHistoryChecker.check(h))
        .hasValueSatisfying(s -> assertThat(s).contains("held the lock"));
  }

  @Test
  void rejectsATokenThatDoesNotIncrease() {
    List<Op> h =
        List.of(acquire(1, 0, 1, 5), release(1, 2, 3), acquire(2, 4, 5, 5), release(2, 6, 7));
    assertThat(MutexHistoryChecker.check(h)).isPresent();
  }

  @Test
  void rejectsAReleaseByANonHolder() {
    List<Op> h = List.of(acquire(1, 0, 1, 1), release(2, 2, 3), release(1, 4, 5));
    assertThat(MutexHistoryChecker.check(h)).isPresent();
  }

  @Test
  void acceptsLongRandomCorrectHistoriesAndRejectsThemWhenOneHoldIsMovedIntoAnother() {
    Random random = new Random(42);
    List<Op> h = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < 400; i++) {
      int p = random.nextInt(6);
      long a0 = t;
      long a1 = t + 1 + random.nextInt(5);
      long r0 = a1 + 1 + random.nextInt(5);
      long r1 = r0 + 1 + random.nextInt(3);
      h.add(acquire(p, a0 - random.nextInt(20), a1, i + 1));
      h.add(release(p, r0, r1 + random.nextInt(4)));
      t = r1 + 1;
    }
    assertThat(MutexHistoryChecker.check(h)).isEmpty();
    // Turn 150's acquire, moved to complete inside turn 50's hold by another process.
    Op inside = h.get(100);
    Op moved = h.get(300);
    int process = moved.process() == inside.process() ? 9 : moved.process();
    List<Op> broken = new ArrayList<>(h);
    broken.set(300, acquire(process, inside.complete(), inside.complete(), moved.token()));
    broken.set(301, release(process, h.get(301).invoke(), h.get(301).complete()));
    assertThat(MutexHistoryChecker.check(broken)).isPresent();
  }
}
