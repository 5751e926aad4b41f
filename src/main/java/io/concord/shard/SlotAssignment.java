package io.concord.shard;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Assigns slots to shards. Every function is pure: the same inputs give the same slot map on every
 * node, JVM and release, with integer arithmetic only.
 *
 * <p>Two steps. (1) <b>Counts</b>: how many slots each shard should own, found by moving single
 * slots between shards while that reduces the imbalance, measured exactly as the excess {@code e(i)
 * = count(i) - S·weight(i)/W} (kept scaled by W so it stays an integer). Only the moves the change
 * forces are allowed: adding a shard lets old shards give to the new one only; removing a shard
 * hands its slots to the survivors by water-filling (always to the survivor with the smallest
 * excess), and survivors never give. (2) <b>Which slots</b>: donors give their highest-numbered
 * slots and receivers take contiguous runs, so a shard's slots stay a few ranges and topology files
 * stay short and readable. Ties always go to the shard listed first.
 */
final class SlotAssignment {

  private SlotAssignment() {}

  /** Slots 0..S-1 split by weight into one contiguous range per shard, in list order. */
  static int[] initial(int slotCount, long[] weights) {
    int n = weights.length;
    int[] counts = new int[n];
    boolean[] receives = new boolean[n];
    java.util.Arrays.fill(receives, true);
    waterFill(counts, weights, sum(weights), slotCount, slotCount, receives);
    int[] owners = new int[slotCount];
    int slot = 0;
    for (int shard = 0; shard < n; shard++) {
      for (int k = 0; k < counts[shard]; k++) {
        owners[slot++] = shard;
      }
    }
    return owners;
  }

  /**
   * Adds a shard of weight {@code newWeight} as index {@code weights.length}. Old shards only give
   * slots, the new shard only receives, and it receives exactly as many as bring it level with the
   * others (no shard ends more than one slot further from its share than the new one).
   */
  static int[] add(int[] owners, long[] weights, long newWeight) {
    int n = weights.length;
    int slotCount = owners.length;
    long[] all = java.util.Arrays.copyOf(weights, n + 1);
    all[n] = newWeight;
    long total = sum(all);
    int[] counts = counts(owners, n + 1);
    int[] gives = new int[n];
    PriorityQueue<Integer> donors =
        new PriorityQueue<>(
            Comparator.<Integer>comparingLong(i -> -excess(counts, all, total, slotCount, i))
                .thenComparingInt(i -> i));
    for (int i = 0; i < n; i++) {
      donors.add(i);
    }
    while (!donors.isEmpty()) {
      int donor = donors.poll();
      long gap =
          excess(counts, all, total, slotCount, donor) - excess(counts, all, total, slotCount, n);
      // Moving one slot improves balance only while the donor is more than one slot above.
      if (counts[donor] == 0 || gap <= total) {
        break;
      }
      counts[donor]--;
      counts[n]++;
      gives[donor]++;
      donors.add(donor);
    }
    int[] result = owners.clone();
    for (int slot = slotCount - 1; slot >= 0; slot--) {
      int owner = owners[slot];
      if (gives[owner] > 0) {
        gives[owner]--;
        result[slot] = n;
      }
    }
    return result;
  }

  /**
   * Removes shard {@code removed}; its slots (and only they) go to the survivors, which are
   * renumbered to close the gap.
   */
  static int[] remove(int[] owners, long[] weights, int removed) {
    int n = weights.length;
    int slotCount = owners.length;
    long[] survivorWeights = new long[n - 1];
    for (int i = 0, j = 0; i < n; i++) {
      if (i != removed) {
        survivorWeights[j++] = weights[i];
      }
    }
    int[] result = new int[slotCount];
    int[] counts = new int[n - 1];
    int orphans = 0;
    for (int slot = 0; slot < slotCount; slot++) {
      int owner = owners[slot];
      if (owner == removed) {
        result[slot] = -1;
        orphans++;
      } else {
        int renumbered = owner > removed ? owner - 1 : owner;
        result[slot] = renumbered;
        counts[renumbered]++;
      }
    }
    int[] before = counts.clone();
    boolean[] receives = new boolean[n - 1];
    java.util.Arrays.fill(receives, true);
    waterFill(counts, survivorWeights, sum(survivorWeights), slotCount, orphans, receives);
    int receiver = 0;
    for (int slot = 0; slot < slotCount; slot++) {
      if (result[slot] == -1) {
        while (counts[receiver] == before[receiver]) {
          receiver++;
        }
        result[slot] = receiver;
        before[receiver]++;
      }
    }
    return result;
  }

  /** Hands {@code slots} slots out one at a time, each to the receiver with the least excess. */
  private static void waterFill(
      int[] counts, long[] weights, long total, int slotCount, int slots, boolean[] receives) {
    PriorityQueue<Integer> needy =
        new PriorityQueue<>(
            Comparator.<Integer>comparingLong(i -> excess(counts, weights, total, slotCount, i))
                .thenComparingInt(i -> i));
    for (int i = 0; i < counts.length; i++) {
      if (receives[i]) {
        needy.add(i);
      }
    }
    for (int k = 0; k < slots; k++) {
      int shard = needy.poll();
      counts[shard]++;
      needy.add(shard);
    }
  }

  /** {@code W · (count(i) − S·w(i)/W)}: the shard's surplus in slots, scaled to an integer. */
  private static long excess(int[] counts, long[] weights, long total, int slotCount, int i) {
    return Math.subtractExact(
        Math.multiplyExact((long) counts[i], total),
        Math.multiplyExact((long) slotCount, weights[i]));
  }

  static int[] counts(int[] owners, int shardCount) {
    int[] counts = new int[shardCount];
    for (int owner : owners) {
      counts[owner]++;
    }
    return counts;
  }

  private static long sum(long[] values) {
    long total = 0;
    for (long v : values) {
      total = Math.addExact(total, v);
    }
    return total;
  }
}
