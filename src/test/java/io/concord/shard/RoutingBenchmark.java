package io.concord.shard;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing a String key to its shard: Concord's slot table next to a Ketama ring (160 points per
 * shard) and jump consistent hash, all fed the same XXH3 key hash, in the same run. Keys cycle
 * through 4096 distinct strings so the slot table is read at scattered places, as in production.
 *
 * <p>Run (see docs/shard.md): {@code mvn -B -o -q test-compile exec:exec -Dexec.classpathScope=test
 * -Dexec.executable=java "-Dexec.args=-cp %classpath org.openjdk.jmh.Main RoutingBenchmark"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
  @Param({"10", "100"})
  int shards;

  private String[] keys;
  private int next;
  private Topology topology;
  private KetamaRing ring;
  private ConsistentBucketHasher jump;

  @Setup
  public void setUp() {
    keys = new String[4096];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "customer-" + (1_000_003L * i);
    }
    List<Shard> list = new ArrayList<>();
    String[] names = new String[shards];
    for (int i = 0; i < shards; i++) {
      names[i] = "shard-" + i;
      list.add(Shard.of(names[i]));
    }
    topology = Topology.initial(Topology.DEFAULT_SLOT_COUNT, list);
    int[] weights = new int[shards];
    Arrays.fill(weights, 1);
    ring = new KetamaRing(names, weights);
    jump = ConsistentHashing.jumpHash(PseudoRandomGeneratorProvider.splitMix64_V1());
  }

  private String nextKey() {
    next = (next + 1) & (keys.length - 1);
    return keys[next];
  }

  /** key → XXH3 → slot → shard: what every routed statement pays. */
  @Benchmark
  public Shard concordSlotTable() {
    return topology.shardFor(nextKey());
  }

  @Benchmark
  public int ketamaRing160() {
    return ring.shardOf(ShardKeyHasher.hash(nextKey()));
  }

  @Benchmark
  public int jumpHash() {
    return jump.getBucket(ShardKeyHasher.hash(nextKey()), shards);
  }

  /** The hash alone, to show what the routing step adds to it. */
  @Benchmark
  public long hashOnly() {
    return ShardKeyHasher.hash(nextKey());
  }
}
