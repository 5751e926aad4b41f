package io.concord.transactional;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package must run on any JTA implementation and in any application: its main code may use only
 * the JDK, the Jakarta Transactions API, ByteBuddy and SLF4J (stricter than the project-wide rule,
 * which only forbids other Concord packages and peer TMs).
 */
class TransactionalDependenciesTest {
  @Test
  void usesOnlyTheJdkJakartaTransactionsByteBuddyAndSlf4j() {
    JavaClasses main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.concord.transactional");
    classes()
        .that()
        .resideInAPackage("io.concord.transactional..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "io.concord.transactional..",
            "java..",
            "jakarta.transaction..",
            "net.bytebuddy..",
            "org.slf4j..")
        .check(main);
  }
}
