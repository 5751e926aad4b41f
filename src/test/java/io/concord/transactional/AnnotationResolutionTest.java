package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.transactional.FaultyTransactionManager.Operation;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.TransactionalException;
import jakarta.transaction.UserTransaction;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which {@code @Transactional} governs a method: method level beats class level, the nearest class
 * wins, interface annotations count, stereotypes count, generic methods resolve through their
 * bridges, and methods nothing governs pass straight through. Each method's effective TxType is
 * read off its behaviour (a "fingerprint"), not off the resolver.
 */
class AnnotationResolutionTest {

  /** What a method saw when it ran. */
  public static final class Observation {
    final Transaction transaction;
    final boolean userTransactionAllowed;

    Observation(Transaction transaction, boolean userTransactionAllowed) {
      this.transaction = transaction;
      this.userTransactionAllowed = userTransactionAllowed;
    }
  }

  /** The TransactionManager and UserTransaction the services observe (tests run one at a time). */
  static volatile TransactionManager observedManager;

  static volatile UserTransaction observedUserTransaction;

  static Observation observe() {
    try {
      boolean allowed;
      try {
        observedUserTransaction.getStatus();
        allowed = true;
      } catch (IllegalStateException refused) {
        allowed = false;
      }
      return new Observation(observedManager.getTransaction(), allowed);
    } catch (SystemException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The TxType a method behaves as, found by calling it without and with a caller transaction;
   * "none" when it is not intercepted at all.
   */
  private String fingerprint(Supplier<Observation> call) throws Exception {
    String without;
    try {
      Observation observation = call.get();
      without =
          observation.transaction != null
              ? "new"
              : observation.userTransactionAllowed ? "none+ut" : "none";
    } catch (TransactionalException e) {
      without = "refused";
    }
    transactionManager.begin();
    Transaction caller = transactionManager.getTransaction();
    String with;
    try {
      Observation observation = call.get();
      with =
          observation.transaction == null
              ? "none"
              : observation.transaction.equals(caller)
                  ? observation.userTransactionAllowed ? "caller+ut" : "caller"
                  : "new";
    } catch (TransactionalException e) {
      with = "refused";
    } finally {
      transactionManager.rollback();
    }
    switch (without + "/" + with) {
      case "new/caller":
        return "REQUIRED";
      case "new/new":
        return "REQUIRES_NEW";
      case "refused/caller":
        return "MANDATORY";
      case "none/caller":
        return "SUPPORTS";
      case "none+ut/none":
        return "NOT_SUPPORTED";
      case "none+ut/refused":
        return "NEVER";
      case "none+ut/caller+ut":
        return "none";
      default:
        return "unexpected " + without + "/" + with;
    }
  }

  public interface ClassLevelContract {
    Observation annotatedMethod();

    Observation unannotatedMethod();
  }

  @Transactional(TxType.MANDATORY)
  public static class ClassLevel implements ClassLevelContract {
    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public Observation annotatedMethod() {
      return observe();
    }

    @Override
    public Observation unannotatedMethod() {
      return observe();
    }
  }

  @Transactional(TxType.NEVER)
  public interface AnnotatedContract {
    Observation fromInterfaceType();

    @Transactional(TxType.REQUIRES_NEW)
    Observation fromInterfaceMethod();

    @Transactional(TxType.REQUIRES_NEW)
    Observation overriddenInImplementation();

    @Transactional(TxType.SUPPORTS)
    default Observation defaultMethod() {
      return observe();
    }
  }

  public static class AnnotatedContractImplementation implements AnnotatedContract {
    @Override
    public Observation fromInterfaceType() {
      return observe();
    }

    @Override
    public Observation fromInterfaceMethod() {
      return observe();
    }

    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public Observation overriddenInImplementation() {
      return observe();
    }
  }

  /** Class-level on the implementation versus method-level on the interface: the method's wins. */
  @Transactional(TxType.SUPPORTS)
  public static class ClassLevelOverInterfaceMethod implements AnnotatedContract {
    @Override
    public Observation fromInterfaceType() {
      return observe();
    }

    @Override
    public Observation fromInterfaceMethod() {
      return observe();
    }

    @Override
    public Observation overriddenInImplementation() {
      return observe();
    }
  }

  public interface HierarchyContract {
    Observation declaredInBase();

    Observation overriddenWithoutAnnotation();

    Observation annotatedInBaseOverriddenInDerived();
  }

  @Transactional(TxType.REQUIRES_NEW)
  public static class Base implements HierarchyContract {
    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public Observation declaredInBase() {
      return observe();
    }

    @Override
    public Observation overriddenWithoutAnnotation() {
      return observe();
    }

    @Override
    @Transactional(TxType.NEVER)
    public Observation annotatedInBaseOverriddenInDerived() {
      return observe();
    }
  }

  /** Inherits Base's class-level annotation ({@code @Inherited}). */
  public static class Derived extends Base {
    @Override
    public Observation overriddenWithoutAnnotation() {
      return observe();
    }

    @Override
    public Observation annotatedInBaseOverriddenInDerived() {
      return observe();
    }
  }

  @Transactional(TxType.MANDATORY)
  public static class DerivedWithItsOwnClassLevel extends Base {
    @Override
    public Observation overriddenWithoutAnnotation() {
      return observe();
    }
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Transactional(TxType.REQUIRES_NEW)
  public @interface NewUnitOfWork {}

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @NewUnitOfWork
  public @interface AuditedUnitOfWork {}

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Transactional(TxType.SUPPORTS)
  public @interface ReadOnlyWork {}

  public interface StereotypeContract {
    Observation viaStereotype();

    Observation viaNestedStereotype();

    Observation directBeatsStereotype();

    Observation viaClassStereotype();
  }

  @ReadOnlyWork
  public static class Stereotyped implements StereotypeContract {
    @Override
    @NewUnitOfWork
    public Observation viaStereotype() {
      return observe();
    }

    @Override
    @AuditedUnitOfWork
    public Observation viaNestedStereotype() {
      return observe();
    }

    @Override
    @NewUnitOfWork
    @Transactional(TxType.NEVER)
    public Observation directBeatsStereotype() {
      return observe();
    }

    @Override
    public Observation viaClassStereotype() {
      return observe();
    }
  }

  public interface ConflictContract {
    void conflicting();
  }

  public static class ConflictingStereotypes implements ConflictContract {
    @Override
    @NewUnitOfWork
    @ReadOnlyWork
    public void conflicting() {}
  }

  public interface Repository<T> {
    @Transactional(TxType.REQUIRES_NEW)
    Observation save(T item);
  }

  public static class StringRepository implements Repository<String> {
    @Override
    public Observation save(String item) {
      return observe();
    }
  }

  public interface PlainContract {
    Observation plain();
  }

  public static class Plain implements PlainContract {
    @Override
    public Observation plain() {
      return observe();
    }

    @Override
    public String toString() {
      return "plain";
    }
  }

  @Transactional(TxType.REQUIRES_NEW)
  public static class ClassLevelWithObjectMethods implements PlainContract {
    @Override
    public Observation plain() {
      return observe();
    }

    @Override
    public String toString() {
      observe();
      return "object methods are not intercepted";
    }

    @Override
    public boolean equals(Object other) {
      return other == this;
    }

    @Override
    public int hashCode() {
      return 42;
    }
  }

  private TransactionManager transactionManager;
  private TransactionalServices services;

  private void setUp(TransactionManagerUnderTest tm) {
    setUp(tm.transactionManager());
  }

  private void setUp(TransactionManager manager) {
    transactionManager = manager;
    services = TransactionalServices.using(manager);
    observedManager = manager;
    observedUserTransaction = services.userTransaction();
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void methodLevelBeatsClassLevel(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(tm);
    ClassLevelContract service = kind.make(services, ClassLevelContract.class, ClassLevel.class);
    assertThat(fingerprint(service::annotatedMethod)).isEqualTo("REQUIRES_NEW");
    assertThat(fingerprint(service::unannotatedMethod)).isEqualTo("MANDATORY");
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void interfaceAnnotationsApply(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(tm);
    AnnotatedContract service =
        kind.make(services, AnnotatedContract.class, AnnotatedContractImplementation.class);
    assertThat(fingerprint(service::fromInterfaceType)).isEqualTo("NEVER");
    assertThat(fingerprint(service::fromInterfaceMethod)).isEqualTo("REQUIRES_NEW");
    assertThat(fingerprint(service::overriddenInImplementation)).isEqualTo("NOT_SUPPORTED");
    assertThat(fingerprint(service::defaultMethod)).isEqualTo("SUPPORTS");

    AnnotatedContract classLevel =
        kind.make(services, AnnotatedContract.class, ClassLevelOverInterfaceMethod.class);
    assertThat(fingerprint(classLevel::fromInterfaceType))
        .as("the class's type-level annotation is nearer than the interface's")
        .isEqualTo("SUPPORTS");
    assertThat(fingerprint(classLevel::fromInterfaceMethod))
        .as("a method-level annotation on the interface beats the class's type-level one")
        .isEqualTo("REQUIRES_NEW");
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void classHierarchy(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(tm);
    HierarchyContract derived = kind.make(services, HierarchyContract.class, Derived.class);
    assertThat(fingerprint(derived::declaredInBase)).isEqualTo("NOT_SUPPORTED");
    assertThat(fingerprint(derived::overriddenWithoutAnnotation))
        .as("class level inherited from Base")
        .isEqualTo("REQUIRES_NEW");
    assertThat(fingerprint(derived::annotatedInBaseOverriddenInDerived))
        .as("method level on the overridden method beats the inherited class level")
        .isEqualTo("NEVER");

    HierarchyContract own =
        kind.make(services, HierarchyContract.class, DerivedWithItsOwnClassLevel.class);
    assertThat(fingerprint(own::overriddenWithoutAnnotation)).isEqualTo("MANDATORY");
    assertThat(fingerprint(own::declaredInBase)).isEqualTo("NOT_SUPPORTED");
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void stereotypes(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    setUp(tm);
    StereotypeContract service = kind.make(services, StereotypeContract.class, Stereotyped.class);
    assertThat(fingerprint(service::viaStereotype)).isEqualTo("REQUIRES_NEW");
    assertThat(fingerprint(service::viaNestedStereotype)).isEqualTo("REQUIRES_NEW");
    assertThat(fingerprint(service::directBeatsStereotype)).isEqualTo("NEVER");
    assertThat(fingerprint(service::viaClassStereotype)).isEqualTo("SUPPORTS");

    assertThatThrownBy(
            () -> kind.make(services, ConflictContract.class, ConflictingStereotypes.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conflicting()")
        .hasMessageContaining("different @Transactional settings");
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  @SuppressWarnings("unchecked")
  void genericMethodsResolveThroughBridgesAndAreInterceptedOnce(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    FaultyTransactionManager counting = new FaultyTransactionManager(tm.transactionManager());
    setUp(counting);
    Repository<String> repository = kind.make(services, Repository.class, StringRepository.class);
    assertThat(fingerprint(() -> repository.save("x"))).isEqualTo("REQUIRES_NEW");

    int begins = counting.calls(Operation.BEGIN);
    repository.save("x");
    assertThat(counting.calls(Operation.BEGIN) - begins).as("transactions begun").isEqualTo(1);
    if (repository instanceof StringRepository) {
      ((StringRepository) repository).save("typed");
      assertThat(counting.calls(Operation.BEGIN) - begins).isEqualTo(2);
    }
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void methodsNothingGovernsPassStraightThrough(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    FaultyTransactionManager counting = new FaultyTransactionManager(tm.transactionManager());
    setUp(counting);
    PlainContract plain = kind.make(services, PlainContract.class, Plain.class);
    assertThat(fingerprint(plain::plain)).isEqualTo("none");
    assertThat(plain.toString()).isEqualTo("plain");

    PlainContract withObjectMethods =
        kind.make(services, PlainContract.class, ClassLevelWithObjectMethods.class);
    int begins = counting.calls(Operation.BEGIN);
    assertThat(withObjectMethods.toString()).isEqualTo("object methods are not intercepted");
    assertThat(withObjectMethods.hashCode()).isEqualTo(42);
    assertThat(withObjectMethods.equals(withObjectMethods)).isTrue();
    assertThat(counting.calls(Operation.BEGIN)).isEqualTo(begins);
    assertThat(fingerprint(withObjectMethods::plain)).isEqualTo("REQUIRES_NEW");
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
