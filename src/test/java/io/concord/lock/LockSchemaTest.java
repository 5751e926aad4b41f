package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The shipped sql/lock/*.sql scripts are exactly what the code creates. */
class LockSchemaTest {

  @Test
  void shippedScriptsMatchTheCode() throws Exception {
    Path dir =
        Path.of(System.getProperty("concord.test.projectDir", ".")).resolve("sql").resolve("lock");
    for (LockDialect dialect : LockDialect.values()) {
      String file =
          switch (dialect) {
            case POSTGRESQL -> "postgres.sql";
            case MARIADB -> "mariadb.sql";
            case H2 -> dialect.name().toLowerCase(Locale.ROOT) + ".sql";
          };
      assertThat(Files.readString(dir.resolve(file)))
          .as("sql/lock/%s is out of step with LockSchema; regenerate it", file)
          .isEqualTo(LockSchema.script(dialect));
    }
  }
}
