package io.concord.shard;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * The capacity tool behind {@code concord shard simulate}: routes K keys over N shards, adds M, and
 * measures load balance and movement for Concord's slot table next to a Ketama ring (160 points),
 * jump consistent hash and {@code hash mod n}, so the trade-off is visible on the user's numbers.
 *
 * <p>Keys are the integers 0..K-1, hashed as Concord hashes integer keys; every algorithm consumes
 * the same 64-bit hashes.
 */
public final class ShardSimulation {

  /**
   * One algorithm's numbers.
   *
   * @param peakToMean the most loaded shard's keys over its expected keys ({@code K·w/W}), before
   *     the add
   * @param movedFraction keys whose shard changed when M shards were added
   * @param optimalMovedFraction the least any scheme must move: the added shards' weight share
   * @param maxShareError the largest |keys/expected − 1| over the shards before the add
   */
  public record Result(
      String algorithm,
      int shards,
      long keys,
      double peakToMean,
      double movedFraction,
      double optimalMovedFraction,
      double maxShareError) {}

  /** What to simulate. */
  public record Settings(int shards, long keys, int add, int[] weights, int slotCount) {
    public Settings {
      if (shards < 1) {
        throw new IllegalArgumentException("--shards must be at least 1, got " + shards);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, got " + keys);
      }
      if (add < 0) {
        throw new IllegalArgumentException("--add must not be negative, got " + add);
      }
      if (weights == null) {
        weights = new int[shards + add];
        Arrays.fill(weights, 1);
      } else if (weights.length == shards) {
        int[] all = Arrays.copyOf(weights, shards + add);
        Arrays.fill(all, shards, shards + add, 1);
        weights = all;
      } else if (weights.length != shards + add) {
        throw new IllegalArgumentException(
            "--weights lists "
                + weights.length
                + " weights; give one per shard ("
                + shards
                + ") or one per shard including the added ones ("
                + (shards + add)
                + ")");
      } else {
        weights = weights.clone();
      }
      for (int w : weights) {
        if (w <= 0 || w > Shard.MAX_WEIGHT) {
          throw new IllegalArgumentException(
              "weights must be 1.." + Shard.MAX_WEIGHT + ", got " + w);
        }
      }
    }

    @Override
    public int[] weights() {
      return weights.clone();
    }
  }

  private ShardSimulation() {}

  public static List<Result> run(Settings settings) {
    int n = settings.shards();
    int total = n + settings.add();
    int[] weights = settings.weights();
    String[] names = new String[total];
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      names[i] = "shard-" + i;
      shards.add(Shard.of(names[i], weights[i]));
    }
    long allWeight = Arrays.stream(weights).asLongStream().sum();
    long initialWeight = Arrays.stream(weights, 0, n).asLongStream().sum();
    double optimal = (double) (allWeight - initialWeight) / allWeight;

    Topology before = Topology.initial(settings.slotCount(), shards.subList(0, n));
    Topology after = before;
    for (int i = n; i < total; i++) {
      after = after.apply(new TopologyChange.AddShard(shards.get(i))).to();
    }
    // Shards are only appended, so an index means the same shard before and after.
    int[] ownersBefore = before.owners();
    int[] ownersAfter = after.owners();
    Topology finalAfter = after;
    KetamaRing ringBefore = new KetamaRing(Arrays.copyOf(names, n), Arrays.copyOf(weights, n));
    KetamaRing ringAfter = new KetamaRing(names, weights);
    ConsistentBucketHasher jump =
        ConsistentHashing.jumpHash(PseudoRandomGeneratorProvider.splitMix64_V1());

    List<Result> results = new ArrayList<>();
    results.add(
        measure(
            "concord",
            settings,
            weights,
            optimal,
            h -> ownersBefore[before.slotOfHash(h)],
            h -> ownersAfter[finalAfter.slotOfHash(h)]));
    results.add(
        measure(
            "ketama-ring-160",
            settings,
            weights,
            optimal,
            ringBefore::shardOf,
            ringAfter::shardOf));
    results.add(
        measure(
            "jump",
            settings,
            weights,
            optimal,
            h -> jump.getBucket(h, n),
            h -> jump.getBucket(h, total)));
    results.add(
        measure(
            "modulo",
            settings,
            weights,
            optimal,
            h -> (int) Long.remainderUnsigned(h, n),
            h -> (int) Long.remainderUnsigned(h, total)));
    return results;
  }

  private static Result measure(
      String algorithm,
      Settings settings,
      int[] weights,
      double optimal,
      LongToIntFunction before,
      LongToIntFunction after) {
    int n = settings.shards();
    long[] load = new long[n];
    long moved = 0;
    for (long key = 0; key < settings.keys(); key++) {
      long hash = ShardKeyHasher.hash(key);
      int shard = before.applyAsInt(hash);
      load[shard]++;
      if (after.applyAsInt(hash) != shard) {
        moved++;
      }
    }
    long weight = Arrays.stream(weights, 0, n).asLongStream().sum();
    double peak = 0;
    double error = 0;
    for (int i = 0; i < n; i++) {
      double expected = (double) settings.keys() * weights[i] / weight;
      double ratio = load[i] / expected;
      peak = Math.max(peak, ratio);
      error = Math.max(error, Math.abs(ratio - 1));
    }
    return new Result(
        algorithm, n, settings.keys(), peak, (double) moved / settings.keys(), optimal, error);
  }
}
