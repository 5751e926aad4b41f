package io.concord.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Enforces the package dependency table of DESIGN.md: each capability package may use only the
 * Concord packages listed for it. A package that does not exist yet passes trivially.
 */
class PackageDependencyTest {

  private static final List<String> PACKAGES =
      List.of(
          "xa", "log", "tm", "recovery", "jdbc", "transactional", "shard", "lock", "config", "cli");

  /** package → the Concord packages it may depend on (besides itself). */
  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "xa", Set.of(),
          "log", Set.of(),
          "tm", Set.of("xa", "log"),
          "recovery", Set.of("tm", "log", "xa"),
          "jdbc", Set.of(),
          "transactional", Set.of(),
          "shard", Set.of("jdbc"),
          "lock", Set.of(),
          "config", Set.of("xa", "log", "tm", "recovery", "jdbc", "transactional", "shard", "lock"),
          "cli",
              Set.of(
                  "xa",
                  "log",
                  "tm",
                  "recovery",
                  "jdbc",
                  "transactional",
                  "shard",
                  "lock",
                  "config"));

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.concord");

  @Test
  void packagesDependOnlyOnWhatDesignAllows() {
    for (String pkg : PACKAGES) {
      List<String> forbidden = new ArrayList<>();
      for (String other : PACKAGES) {
        if (!other.equals(pkg) && !ALLOWED.get(pkg).contains(other)) {
          forbidden.add("io.concord." + other + "..");
        }
      }
      noClasses()
          .that()
          .resideInAPackage("io.concord." + pkg + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(forbidden.toArray(String[]::new))
          .allowEmptyShould(true)
          .because("DESIGN.md allows io.concord." + pkg + " to use only " + ALLOWED.get(pkg))
          .check(MAIN);
    }
  }

  @Test
  void jdbcAndTransactionalUseOnlyStandardInterfaces() {
    // They must run on any JTA transaction manager: Jakarta interfaces and the jboss SPI only.
    for (String pkg : List.of("jdbc", "transactional")) {
      noClasses()
          .that()
          .resideInAPackage("io.concord." + pkg + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "com.arjuna..", "org.jboss.narayana..", "com.atomikos..", "io.agroal..")
          .allowEmptyShould(true)
          .check(MAIN);
    }
  }
}
