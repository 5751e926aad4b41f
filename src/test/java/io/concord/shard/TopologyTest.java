package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyTest {

  private static Topology four() {
    return Topology.initial(
        1024, List.of(Shard.of("a"), Shard.of("b"), Shard.of("c"), Shard.of("d")));
  }

  @Test
  void initialTopologySplitsSlotsIntoContiguousRangesByWeight() {
    Topology t = Topology.initial(1024, List.of(Shard.of("a", 1), Shard.of("b", 3)));
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.slotCounts()).containsExactly(256, 768);
    assertThat(t.ownerOf(0).name()).isEqualTo("a");
    assertThat(t.ownerOf(255).name()).isEqualTo("a");
    assertThat(t.ownerOf(256).name()).isEqualTo("b");
    assertThat(TopologyFile.ranges(t.slotsOf("b"))).isEqualTo("256-1023");
  }

  @Test
  void slotIsTheTopBitsOfTheHash() {
    Topology t = four();
    assertThat(t.slotOfHash(0)).isZero();
    assertThat(t.slotOfHash(-1L)).isEqualTo(1023);
    assertThat(t.slotOfHash(1L << 54)).isEqualTo(1);
    Object key = "user-42";
    assertThat(t.slotFor(key)).isEqualTo((int) (ShardKeyHasher.hash(key) >>> 54));
    assertThat(t.shardFor(key)).isEqualTo(t.ownerOf(t.slotFor(key)));
    Topology single = Topology.initial(1, List.of(Shard.of("only")));
    assertThat(single.slotFor("anything")).isZero();
  }

  @Test
  void addingAShardTakesItsShareFromTheEndOfEveryOtherShardsSlots() {
    TopologyTransition t = four().apply(new TopologyChange.AddShard(Shard.of("e")));
    assertThat(t.to().version()).isEqualTo(2);
    assertThat(t.to().slotCounts()).containsExactly(205, 205, 205, 205, 204);
    assertThat(t.moves()).hasSize(204).allMatch(m -> m.to().equals("e"));
    assertThat(TopologyFile.ranges(t.to().slotsOf("a"))).isEqualTo("0-204");
  }

  @Test
  void removingAShardSpreadsOnlyItsSlotsOverTheOthers() {
    TopologyTransition t = four().apply(new TopologyChange.RemoveShard("b"));
    assertThat(t.to().shards()).extracting(Shard::name).containsExactly("a", "c", "d");
    assertThat(t.moves()).hasSize(256).allMatch(m -> m.from().equals("b"));
    int[] counts = t.to().slotCounts();
    assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(1024);
    assertThat(java.util.Arrays.stream(counts).boxed().toList())
        .allMatch(c -> c == 341 || c == 342);
  }

  @Test
  void badInputIsRefusedClearly() {
    assertThatThrownBy(() -> Topology.initial(1000, List.of(Shard.of("a"))))
        .isInstanceOf(InvalidTopologyException.class)
        .hasMessageContaining("power of two");
    assertThatThrownBy(
            () -> Topology.initial(2, List.of(Shard.of("a"), Shard.of("b"), Shard.of("c"))))
        .hasMessageContaining("3 shards cannot share 2 slots");
    assertThatThrownBy(() -> Topology.initial(64, List.of(Shard.of("a"), Shard.of("A"))))
        .hasMessageContaining("used twice");
    assertThatThrownBy(() -> Shard.of("a", 0)).hasMessageContaining("weight 0");
    assertThatThrownBy(() -> Shard.of("a", -3)).hasMessageContaining("weight -3");
    assertThatThrownBy(() -> Shard.of("no spaces")).hasMessageContaining("invalid");
    assertThatThrownBy(() -> four().shard("x"))
        .isInstanceOf(UnknownShardException.class)
        .hasMessageContaining("no shard named 'x'")
        .hasMessageContaining("[a, b, c, d]");
    assertThatThrownBy(() -> four().apply(new TopologyChange.RemoveShard("x")))
        .isInstanceOf(UnknownShardException.class);
    assertThatThrownBy(() -> four().apply(new TopologyChange.AddShard(Shard.of("B"))))
        .hasMessageContaining("already in topology");
    Topology one = Topology.initial(64, List.of(Shard.of("a")));
    assertThatThrownBy(() -> one.apply(new TopologyChange.RemoveShard("a")))
        .hasMessageContaining("only shard");
    assertThatThrownBy(() -> Topology.of(1, 4, List.of(Shard.of("a")), new int[] {0, 0, 1, 0}))
        .hasMessageContaining("slot 2 is not assigned");
    assertThatThrownBy(() -> four().ownerOf(1024)).hasMessageContaining("outside 0..1023");
  }

  @Test
  void nodesWithDifferentVersionsOrMapsAreToldApart() {
    Topology v1 = four();
    Topology v2 = v1.apply(new TopologyChange.AddShard(Shard.of("e"))).to();
    v1.requireSameRouting(four(), "node B");
    assertThatThrownBy(() -> v1.requireSameRouting(v2, "node B"))
        .isInstanceOf(TopologyMismatchException.class)
        .hasMessageContaining("version 1")
        .hasMessageContaining("node B has version 2");
    int[] owners = v1.owners();
    owners[0] = 1;
    Topology forged = Topology.of(1, 1024, v1.shards(), owners);
    assertThatThrownBy(() -> v1.requireSameRouting(forged, "node B"))
        .isInstanceOf(TopologyMismatchException.class)
        .hasMessageContaining("two different slot maps carry the same version");
  }
}
