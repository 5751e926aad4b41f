package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Properties of the slot assignment over random shard sets, weights and change sequences. */
class SlotAssignmentPropertiesTest {

  /** A random history: an initial shard set, then adds (true) and removes (false). */
  record History(int slotCount, List<Integer> weights, List<Boolean> ops, List<Integer> picks) {}

  @Provide
  Arbitrary<History> histories() {
    Arbitrary<Integer> slots = Arbitraries.of(64, 256, 1024, 4096, 16384);
    Arbitrary<List<Integer>> weights =
        Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(1)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 20)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 1000)))
            .list()
            .ofMinSize(1)
            .ofMaxSize(30);
    Arbitrary<List<Boolean>> ops = Arbitraries.of(true, false).list().ofMaxSize(12);
    Arbitrary<List<Integer>> picks = Arbitraries.integers().between(0, 10_000).list().ofSize(12);
    return Combinators.combine(slots, weights, ops, picks).as(History::new);
  }

  private static List<Shard> shards(List<Integer> weights) {
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      shards.add(Shard.of("s" + i, weights.get(i)));
    }
    return shards;
  }

  /** Replays a history, checking every transition on the way, and returns the last topology. */
  private static Topology replay(History h) {
    List<Shard> initial = shards(h.weights());
    if (initial.size() > h.slotCount()) {
      initial = initial.subList(0, h.slotCount());
    }
    Topology topology = Topology.initial(h.slotCount(), initial);
    assertWithinShare(topology, 1.0);
    int next = initial.size();
    for (int i = 0; i < h.ops().size(); i++) {
      int pick = h.picks().get(i);
      TopologyTransition t;
      if (h.ops().get(i) && topology.shards().size() < Math.min(64, h.slotCount())) {
        Shard added = Shard.of("s" + next++, 1 + pick % 7);
        t = topology.apply(new TopologyChange.AddShard(added));
        assertOnlyMovesTo(t, added.name());
      } else if (topology.shards().size() > 1) {
        String removed = topology.shards().get(pick % topology.shards().size()).name();
        t = topology.apply(new TopologyChange.RemoveShard(removed));
        assertOnlyMovesFrom(t, removed);
      } else {
        continue;
      }
      assertThat(t.to().version()).isEqualTo(topology.version() + 1);
      topology = t.to();
      assertWithinShare(topology, 2.0);
    }
    return topology;
  }

  @Property(tries = 300)
  void assignmentIsDeterministic(@ForAll("histories") History history) {
    Topology first = replay(history);
    Topology second = replay(history);
    assertThat(second).isEqualTo(first);
    assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
  }

  @Property(tries = 300)
  void addsMoveSlotsOnlyToTheNewShardAndRemovesMoveOnlyTheRemovedShardsSlots(
      @ForAll("histories") History history) {
    replay(history); // the assertions are inside: moves, versions and shares (2 slots)
  }

  @Property(tries = 200)
  void equalShardsDifferByAtMostOneSlotAfterAdds(
      @ForAll @IntRange(min = 1, max = 120) int shards,
      @ForAll @IntRange(min = 1, max = 5) int adds) {
    List<Shard> list = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      list.add(Shard.of("s" + i));
    }
    Topology topology = Topology.initial(Topology.DEFAULT_SLOT_COUNT, list);
    for (int i = 0; i < adds; i++) {
      TopologyTransition t = topology.apply(new TopologyChange.AddShard(Shard.of("n" + i)));
      int n = topology.shards().size() + 1;
      int optimal = (int) Math.ceil((double) Topology.DEFAULT_SLOT_COUNT / n);
      assertThat(t.moves().size()).isLessThanOrEqualTo(optimal);
      topology = t.to();
      int[] counts = topology.slotCounts();
      assertThat(max(counts) - min(counts)).isLessThanOrEqualTo(1);
    }
  }

  private static void assertOnlyMovesTo(TopologyTransition t, String added) {
    int[] newCounts = t.to().slotCounts();
    int addedCount = newCounts[newCounts.length - 1];
    assertThat(t.moves()).hasSize(addedCount);
    assertThat(t.moves()).allSatisfy(m -> assertThat(m.to()).isEqualTo(added));
  }

  private static void assertOnlyMovesFrom(TopologyTransition t, String removed) {
    int removedCount = t.from().slotsOf(removed).length;
    assertThat(t.moves()).hasSize(removedCount);
    assertThat(t.moves()).allSatisfy(m -> assertThat(m.from()).isEqualTo(removed));
  }

  /** Every shard owns its weighted share of the slots to within {@code slack} slots. */
  static void assertWithinShare(Topology topology, double slack) {
    long total = topology.shards().stream().mapToLong(Shard::weight).sum();
    int[] counts = topology.slotCounts();
    for (int i = 0; i < counts.length; i++) {
      double share = (double) topology.slotCount() * topology.shards().get(i).weight() / total;
      assertThat(Math.abs(counts[i] - share))
          .as("shard %s: %d slots for a share of %.3f", topology.shards().get(i), counts[i], share)
          .isLessThan(slack);
    }
    assertThat(java.util.Arrays.stream(counts).sum()).isEqualTo(topology.slotCount());
  }

  private static int max(int[] a) {
    return java.util.Arrays.stream(a).max().orElseThrow();
  }

  private static int min(int[] a) {
    return java.util.Arrays.stream(a).min().orElseThrow();
  }
}
