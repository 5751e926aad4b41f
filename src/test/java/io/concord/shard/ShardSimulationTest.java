package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The targets, measured the way {@code concord shard simulate} measures them. */
class ShardSimulationTest {

  private static Map<String, ShardSimulation.Result> simulate(
      int shards, long keys, int add, int[] weights) {
    return ShardSimulation.run(
            new ShardSimulation.Settings(shards, keys, add, weights, Topology.DEFAULT_SLOT_COUNT))
        .stream()
        .collect(Collectors.toMap(ShardSimulation.Result::algorithm, Function.identity()));
  }

  @ParameterizedTest
  @ValueSource(ints = {10, 100})
  void concordMeetsTheBalanceAndMovementTargetsWithAMillionKeys(int shards) {
    Map<String, ShardSimulation.Result> r = simulate(shards, 1_000_000, 1, null);
    ShardSimulation.Result concord = r.get("concord");
    assertThat(concord.peakToMean()).isLessThanOrEqualTo(1.03);
    assertThat(concord.optimalMovedFraction()).isEqualTo(1.0 / (shards + 1));
    assertThat(concord.movedFraction()).isLessThanOrEqualTo(1.05 / (shards + 1));
    // The comparison is real: the ring is visibly worse balanced, modulo moves almost everything.
    assertThat(r.get("ketama-ring-160").peakToMean()).isGreaterThan(1.05);
    assertThat(r.get("modulo").movedFraction()).isGreaterThan(0.9);
    assertThat(r.get("jump").movedFraction()).isLessThan(1.05 / (shards + 1));
    assertThat(r.keySet())
        .containsExactlyInAnyOrder("concord", "ketama-ring-160", "jump", "modulo");
  }

  @Test
  void weightedSharesAreWithinTwoPercentOfTheirWeights() {
    ShardSimulation.Result concord =
        simulate(5, 1_000_000, 1, new int[] {1, 1, 2, 2, 4}).get("concord");
    assertThat(concord.maxShareError()).isLessThanOrEqualTo(0.02);
    assertThat(concord.optimalMovedFraction()).isEqualTo(1.0 / 11);
    assertThat(concord.movedFraction()).isLessThanOrEqualTo(1.05 / 11);
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(() -> new ShardSimulation.Settings(0, 10, 1, null, 64))
        .hasMessageContaining("--shards");
    assertThatThrownBy(() -> new ShardSimulation.Settings(3, 10, 1, new int[] {1, 2}, 64))
        .hasMessageContaining("--weights lists 2 weights");
    assertThatThrownBy(() -> new ShardSimulation.Settings(2, 10, 0, new int[] {1, 0}, 64))
        .hasMessageContaining("weights must be");
    List<ShardSimulation.Result> none =
        ShardSimulation.run(new ShardSimulation.Settings(4, 1000, 0, null, 64));
    assertThat(none).allSatisfy(x -> assertThat(x.movedFraction()).isZero());
  }
}
