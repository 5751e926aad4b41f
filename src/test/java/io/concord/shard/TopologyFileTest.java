package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyFileTest {

  private static final String HEAD =
      "{\"format\":\"concord-shard-topology/1\",\"version\":4,\"slotCount\":8,\"shards\":[";

  @Test
  void roundTripsThroughJsonAndYamlFiles(@TempDir Path dir) throws Exception {
    Topology t =
        Topology.initial(
                4096,
                List.of(
                    new Shard("eu1", 2, new ConnectionSettings("jdbc:h2:mem:x", "sa", "secret")),
                    Shard.of("eu2"),
                    Shard.of("us1", 3)))
            .apply(new TopologyChange.AddShard(Shard.of("us2")))
            .to();
    Path json = dir.resolve("topology.json");
    TopologyFile.write(t, json);
    Topology read = TopologyFile.read(json);
    assertThat(read).isEqualTo(t);
    assertThat(read.shard("eu1").connection().password()).isEqualTo("secret");
    assertThat(read.fingerprint()).isEqualTo(t.fingerprint());

    Path yaml = dir.resolve("topology.yaml");
    Files.writeString(
        yaml,
        "format: concord-shard-topology/1\nversion: 7\nslotCount: 4\nshards:\n"
            + "  - {name: a, weight: 1, slots: \"0-1\"}\n"
            + "  - name: b\n    slots: 2-3\n    connection: {url: \"jdbc:h2:mem:b\"}\n");
    Topology fromYaml = TopologyFile.read(yaml);
    assertThat(fromYaml.version()).isEqualTo(7);
    assertThat(fromYaml.ownerOf(3).name()).isEqualTo("b");
    assertThat(fromYaml.shard("b").weight()).isEqualTo(1);
  }

  private static void refused(String json, String message) {
    assertThatThrownBy(() -> TopologyFile.parseJson(json, "t.json"))
        .isInstanceOf(InvalidTopologyException.class)
        .hasMessageContaining("t.json")
        .hasMessageContaining(message);
  }

  @Test
  void inconsistentFilesAreRefusedWithWhatAndWhere() {
    refused(
        HEAD + "{\"name\":\"a\",\"slots\":\"0-3\"},{\"name\":\"b\",\"slots\":\"3-7\"}]}",
        "slot 3 is assigned twice, to 'a' and to 'b'");
    refused(
        HEAD + "{\"name\":\"a\",\"slots\":\"0-2\"},{\"name\":\"b\",\"slots\":\"4-5\"}]}",
        "slots 3,6-7 are not assigned to any shard");
    refused(
        HEAD + "{\"name\":\"a\",\"weight\":0,\"slots\":\"0-7\"}]}", "shards[0] ('a') has weight 0");
    refused(HEAD + "{\"name\":\"a\",\"weight\":-2,\"slots\":\"0-7\"}]}", "weight -2");
    refused(
        HEAD + "{\"name\":\"a\",\"wieght\":2,\"slots\":\"0-7\"}]}",
        "unknown field 'shards[0].wieght'");
    refused(HEAD + "{\"name\":\"a\",\"slots\":\"0-9\"}]}", "range 0-9 is outside 0..7");
    refused(HEAD + "{\"name\":\"a\",\"slots\":\"0-x\"}]}", "'0-x' is not a slot");
    refused(
        HEAD + "{\"name\":\"a\",\"slots\":\"0-7\"},{\"name\":\"a\",\"slots\":\"\"}]}",
        "used twice");
    refused(
        HEAD + "{\"name\":\"a\",\"slots\":\"0-7\",\"connection\":{\"url\":\"postgres://x\"}}]}",
        "shards[0]: connection url must be a JDBC URL");
    refused("{\"format\":\"other/9\"}", "this release reads 'concord-shard-topology/1'");
    refused(
        "{\"format\":\"concord-shard-topology/1\",\"routing\":\"md5/v0\",\"version\":1,"
            + "\"slotCount\":8,\"shards\":[]}",
        "routing with it would move rows");
    refused(
        "{\"format\":\"concord-shard-topology/1\",\"version\":1,\"slotCount\":12,\"shards\":[]}",
        "power of two");
    refused(
        "{\"format\":\"concord-shard-topology/1\",\"version\":1,\"slotCount\":8}",
        "'shards' must be a non-empty list");
    refused("{\"format\": ", "not valid JSON");
    refused(
        "{\"format\":\"concord-shard-topology/1\",\"version\":0,\"slotCount\":8,"
            + "\"shards\":[{\"name\":\"a\",\"slots\":\"0-7\"}]}",
        "version must be at least 1");
  }

  @Test
  void unreadableFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.json");
    assertThatThrownBy(() -> TopologyFile.read(missing))
        .isInstanceOf(InvalidTopologyException.class)
        .hasMessageContaining(missing.toString());
  }
}
