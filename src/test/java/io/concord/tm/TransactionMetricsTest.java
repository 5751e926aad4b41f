package io.concord.tm;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class TransactionMetricsTest {

  @Test
  void countersFollowTheStatistics() throws Exception {
    try (TestTm t = TestTm.open()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new TransactionMetrics(t.tm.statistics(), Tags.of("node", t.nodeId)).bindTo(registry);
      t.tm.begin();
      t.tm.getTransaction().enlistResource(t.resource("a"));
      t.tm.getTransaction().enlistResource(t.resource("b"));
      t.tm.commit();
      t.tm.begin();
      assertThat(registry.get("concord.transactions.active").gauge().value()).isEqualTo(1);
      t.tm.rollback();
      assertThat(registry.get("concord.transactions.begun").functionCounter().count()).isEqualTo(2);
      assertThat(
              registry
                  .get("concord.transactions.completed")
                  .tags("outcome", "committed", "kind", "two-phase", "node", t.nodeId)
                  .functionCounter()
                  .count())
          .isEqualTo(1);
      assertThat(
              registry
                  .get("concord.transactions.completed")
                  .tags("outcome", "rolled-back")
                  .functionCounter()
                  .count())
          .isEqualTo(1);
      assertThat(registry.get("concord.transactions.active").gauge().value()).isZero();
    }
  }

  @Test
  void onlyTheBinderTouchesMicrometer() {
    noClasses()
        .that()
        .resideInAPackage("io.concord.tm..")
        .and()
        .doNotHaveSimpleName("TransactionMetrics")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.micrometer..")
        .because("Micrometer is optional: the manager must load without it")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.concord.tm"));
  }
}
