package io.concord.shard;

import java.nio.file.Path;
import java.util.List;

/**
 * The history behind the committed golden topology: version 1 of four weighted shards, then "e"
 * added, then "b" removed. {@link GoldenVectorsTest} checks that replaying it still produces the
 * committed file byte for byte, which pins the assignment algorithm across releases.
 *
 * <p>Run {@code main} only when routing is changed on purpose (and {@link TopologyFile#ROUTING}
 * bumped with it); then regenerate the vectors with {@code generate-golden-vectors.py}.
 */
final class GoldenTopology {
  static final String RESOURCE = "/io/concord/shard/golden-topology.json";

  private GoldenTopology() {}

  static Topology replay() {
    Topology v1 =
        Topology.initial(
            Topology.DEFAULT_SLOT_COUNT,
            List.of(Shard.of("a", 1), Shard.of("b", 2), Shard.of("c", 1), Shard.of("d", 3)));
    Topology v2 = v1.apply(new TopologyChange.AddShard(Shard.of("e", 1))).to();
    return v2.apply(new TopologyChange.RemoveShard("b")).to();
  }

  public static void main(String[] args) {
    Path file = Path.of("src/test/resources" + RESOURCE);
    TopologyFile.write(replay(), file);
    System.out.println("wrote " + file.toAbsolutePath());
  }
}
