package io.concord.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.config.ConcordConfig.DatabaseKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcordConfigTest {

  private static final String FULL =
      """
      node-id: bank-1
      log:
        directory: /tmp/concord-log
        segment-size: 8MiB
        spin-wait: false
      transactions:
        default-timeout: 30s
      recovery:
        interval: 15s
        startup-timeout: 20s
        orphan-grace: 5s
        also-for-nodes: [bank-0]
      datasources:
        - name: shard0
          url: jdbc:h2:file:./data/shard0
          pool:
            min-size: 1
            max-size: 8
            acquisition-timeout: 2s
        - name: pg
          url: jdbc:postgresql://127.0.0.1:5432/concord
          user: concord
          password: concord
          xa: true
      sharding:
        slots: 1024
        shards:
          - datasource: shard0
            weight: 2
          - name: east
            datasource: pg
        tables:
          - name: account
            key: id
        broadcast: [currency]
      locks:
        datasource: pg
        namespace: bank
      demo:
        accounts: 200
        threads: 4
        duration: 3s
      """;

  @Test
  void readsEveryKey() {
    ConcordConfig config = ConcordConfig.parse("full.yaml", FULL);
    assertThat(config.nodeId()).isEqualTo("bank-1");
    assertThat(config.log().directory()).isEqualTo(Path.of("/tmp/concord-log"));
    assertThat(config.log().segmentSizeBytes()).isEqualTo(8L << 20);
    assertThat(config.log().spinWait()).isFalse();
    assertThat(config.transactions().defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.recovery().interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(config.recovery().alsoForNodes()).containsExactly("bank-0");
    assertThat(config.dataSources()).hasSize(2);
    assertThat(config.dataSource("shard0").kind()).isEqualTo(DatabaseKind.H2);
    assertThat(config.dataSource("shard0").user()).isEqualTo("sa");
    assertThat(config.dataSource("shard0").pool().maxSize()).isEqualTo(8);
    assertThat(config.dataSource("shard0").pool().acquisitionTimeout())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(config.dataSource("pg").kind()).isEqualTo(DatabaseKind.POSTGRES);
    assertThat(config.sharding().slots()).isEqualTo(1024);
    assertThat(config.sharding().shards())
        .extracting(ConcordConfig.ShardSettings::name)
        .containsExactly("shard0", "east");
    assertThat(config.sharding().shards().get(0).weight()).isEqualTo(2);
    assertThat(config.sharding().tables().get(0).keyColumn()).isEqualTo("id");
    assertThat(config.sharding().broadcastTables()).containsExactly("currency");
    assertThat(config.locks().dataSource()).isEqualTo("pg");
    assertThat(config.demo().accounts()).isEqualTo(200);
    assertThat(config.demo().duration()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void defaultsApplyToAnEmptySection() {
    ConcordConfig config = ConcordConfig.parse("min.yaml", "log: {}\n");
    assertThat(config.nodeId()).isNull();
    assertThat(config.log().spinWait()).isTrue();
    assertThat(config.transactions().defaultTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.sharding().enabled()).isFalse();
    assertThat(config.sharding().slots()).isEqualTo(16_384);
  }

  @Test
  void unknownKeyNamesFileLineAndPath() {
    String yaml =
        """
        datasources:
          - name: a
            url: jdbc:h2:mem:a
            pool:
              max-size: 4
              maxsize: 5
        """;
    assertThatThrownBy(() -> ConcordConfig.parse("bad.yaml", yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("bad.yaml:6: datasources[0].pool.maxsize: unknown key")
        .satisfies(
            e -> {
              ConfigException c = (ConfigException) e;
              assertThat(c.line()).isEqualTo(6);
              assertThat(c.key()).isEqualTo("datasources[0].pool.maxsize");
            });
  }

  @Test
  void unknownTopLevelKey() {
    assertThatThrownBy(() -> ConcordConfig.parse("x.yaml", "node-id: a\nlogs:\n  directory: x\n"))
        .hasMessageStartingWith("x.yaml:3: logs: unknown key");
  }

  @Test
  void wrongTypesAreNamed() {
    assertThatThrownBy(
            () -> ConcordConfig.parse("t.yaml", "transactions:\n  default-timeout: soon\n"))
        .hasMessageContaining("t.yaml:2: transactions.default-timeout: must be a duration");
    assertThatThrownBy(() -> ConcordConfig.parse("t.yaml", "sharding:\n  slots: 1000\n"))
        .hasMessageContaining("sharding.slots: must be a power of two");
    assertThatThrownBy(() -> ConcordConfig.parse("t.yaml", "log:\n  segment-size: 1KiB\n"))
        .hasMessageContaining("log.segment-size: must be at least 64KiB");
    assertThatThrownBy(
            () ->
                ConcordConfig.parse(
                    "t.yaml",
                    "datasources:\n  - name: a\n    url: jdbc:h2:mem:a\n    pool:\n"
                        + "      min-size: 9\n      max-size: 2\n"))
        .hasMessageContaining("t.yaml:5: datasources[0].pool.min-size: is 9, above max-size 2");
  }

  @Test
  void danglingReferencesAreRefused() {
    String yaml =
        """
        datasources:
          - name: a
            url: jdbc:h2:mem:a
        sharding:
          shards:
            - datasource: b
        """;
    assertThatThrownBy(() -> ConcordConfig.parse("d.yaml", yaml))
        .hasMessageContaining("d.yaml:6: sharding.shards[0].datasource: no data source named 'b'");
  }

  @Test
  void duplicatesAreRefused() {
    String yaml =
        """
        datasources:
          - name: a
            url: jdbc:h2:mem:a
          - name: a
            url: jdbc:h2:mem:b
        """;
    assertThatThrownBy(() -> ConcordConfig.parse("d.yaml", yaml))
        .hasMessageContaining("d.yaml:4: datasources[1].name: data source 'a' is defined twice");
    assertThatThrownBy(() -> ConcordConfig.parse("d.yaml", "log: {}\nlog: {}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("d.yaml");
  }

  @Test
  void brokenYamlAndMissingFile(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ConcordConfig.parse("y.yaml", "log:\n  directory: [unclosed\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("y.yaml:")
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ConcordConfig.parse("e.yaml", ""))
        .hasMessageContaining("e.yaml: is empty");
    assertThatThrownBy(() -> ConcordConfig.load(dir.resolve("nope.yaml")))
        .hasMessageContaining("nope.yaml: file not found");
    Path file = dir.resolve("ok.yaml");
    Files.writeString(file, "node-id: n1\n");
    assertThat(ConcordConfig.load(file).nodeId()).isEqualTo("n1");
  }

  @Test
  void unknownDatabaseAndUnrecognisedUrl() {
    assertThatThrownBy(
            () ->
                ConcordConfig.parse(
                    "u.yaml", "datasources:\n  - name: a\n    url: jdbc:oracle:thin:@x\n"))
        .hasMessageContaining("u.yaml:3: datasources[0].url: cannot tell the database");
    assertThatThrownBy(
            () ->
                ConcordConfig.parse(
                    "u.yaml", "datasources:\n  - name: a\n    kind: db2\n    url: jdbc:db2://x\n"))
        .hasMessageContaining("datasources[0].kind: must be one of [h2, postgres, mariadb]");
  }

  @Test
  void environmentVariablesExpandWithDefaults() {
    ConcordConfig config =
        ConcordConfig.parse(
            "env.yaml",
            "datasources:\n  - name: a\n    url: jdbc:h2:mem:a\n"
                + "    password: ${CONCORD_TEST_SURELY_UNSET_VARIABLE:-fallback}\n");
    assertThat(config.dataSource("a").password()).isEqualTo("fallback");
    assertThatThrownBy(
            () ->
                ConcordConfig.parse(
                    "env.yaml",
                    "datasources:\n  - name: a\n    url: jdbc:h2:mem:a\n"
                        + "    password: ${CONCORD_TEST_SURELY_UNSET_VARIABLE}\n"))
        .hasMessageContaining(
            "env.yaml:4: datasources[0].password: environment variable"
                + " CONCORD_TEST_SURELY_UNSET_VARIABLE is not set");
  }
}
