package io.concord.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every YAML file shipped in config/ must load: a sample that fails to parse is a broken promise.
 */
class ShippedConfigFilesTest {

  static Path projectDir() {
    return Path.of(System.getProperty("concord.test.projectDir", "."));
  }

  @Test
  void everyShippedConfigLoads() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(projectDir().resolve("config"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("h2.yaml", "postgres.yaml", "mixed.yaml");
    for (Path file : files) {
      ConcordConfig config = ConcordConfig.load(file);
      assertThat(config.nodeId()).as(file.toString()).isNotBlank();
      assertThat(config.sharding().shards()).as(file.toString()).hasSize(4);
      assertThat(config.locks().dataSource()).as(file.toString()).isNotNull();
    }
  }
}
