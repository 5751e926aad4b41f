package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Routing must never change across JVMs and releases: the committed vectors (made by an independent
 * script with the reference xxHash library) must be reproduced exactly, key by key.
 */
class GoldenVectorsTest {

  private static String resource(String name) throws IOException {
    try (InputStream in = GoldenVectorsTest.class.getResourceAsStream(name)) {
      assertThat(in).as("resource %s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static Object key(JsonNode node) {
    String value = node.get("value").isArray() ? null : node.get("value").asText();
    switch (node.get("type").asText()) {
      case "integer":
        return Long.parseLong(value);
      case "string":
        return value;
      case "uuid":
        return UUID.fromString(value);
      case "bytes":
        return HexFormat.of().parseHex(value);
      case "composite":
        List<Object> parts = new ArrayList<>();
        node.get("value").forEach(p -> parts.add(key(p)));
        return CompositeKey.of(parts.toArray());
      default:
        throw new IllegalArgumentException(node.toString());
    }
  }

  @Test
  void committedTopologyIsStillWhatTheAssignmentAlgorithmProduces() throws IOException {
    Topology committed = TopologyFile.parseJson(resource(GoldenTopology.RESOURCE), "golden");
    Topology replayed = GoldenTopology.replay();
    assertThat(replayed).isEqualTo(committed);
    assertThat(TopologyFile.toJson(replayed).replace("\r\n", "\n"))
        .isEqualTo(resource(GoldenTopology.RESOURCE).replace("\r\n", "\n"));
  }

  @Test
  void everyGoldenKeyHasItsCanonicalBytesHashSlotAndShard() throws IOException {
    Topology topology = TopologyFile.parseJson(resource(GoldenTopology.RESOURCE), "golden");
    JsonNode root = new ObjectMapper().readTree(resource("/io/concord/shard/golden-vectors.json"));
    assertThat(root.get("topologyVersion").asLong()).isEqualTo(topology.version());
    JsonNode vectors = root.get("vectors");
    assertThat(vectors.size()).isGreaterThan(100);
    for (JsonNode vector : vectors) {
      Object key = key(vector.get("key"));
      String what = vector.get("key").toString();
      ShardKeyHasher.CanonicalKey canonical = ShardKeyHasher.canonical(key);
      assertThat(HexFormat.of().formatHex(canonical.bytes()))
          .as("canonical bytes of %s", what)
          .isEqualTo(vector.get("canonical").asText());
      long expected = Long.parseUnsignedLong(vector.get("hash").asText(), 16);
      assertThat(ShardKeyHasher.hash(key)).as("hash of %s", what).isEqualTo(expected);
      assertThat(canonical.hash()).as("canonical hash of %s", what).isEqualTo(expected);
      assertThat(topology.slotFor(key))
          .as("slot of %s", what)
          .isEqualTo(vector.get("slot").asInt());
      assertThat(topology.shardFor(key).name())
          .as("shard of %s", what)
          .isEqualTo(vector.get("shard").asText());
    }
  }
}
