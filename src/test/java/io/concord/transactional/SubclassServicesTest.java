package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TransactionalServices#instantiate}: classes a subclass cannot intercept are refused with
 * the reason, constructors are chosen like Java's overload resolution, calls on {@code this} are
 * intercepted, and package-private and protected methods are too.
 */
class SubclassServicesTest {
  private TransactionManager transactionManager;
  private TransactionalServices services;

  @BeforeEach
  void setUp() {
    TransactionManagerUnderTest tm = TransactionManagerUnderTest.all().get(0);
    transactionManager = tm.transactionManager();
    services = Environments.services(tm);
  }

  public static class FinalAnnotatedMethod {
    @Transactional
    public final void pay() {}

    @Transactional
    public void refund() {}
  }

  @Transactional
  public static class ClassLevelWithFinalMethod {
    public void pay() {}

    public final String name() {
      return "x";
    }
  }

  public static class PrivateAnnotatedMethod {
    @Transactional
    private void hidden() {}

    public void call() {
      hidden();
    }
  }

  public static class StaticAnnotatedMethod {
    @Transactional
    public static void utility() {}
  }

  public static final class FinalClass {
    @Transactional
    public void pay() {}
  }

  public abstract static class AbstractService {
    @Transactional
    public abstract void pay();
  }

  public enum EnumService {
    ONE;

    @Transactional
    public void pay() {}
  }

  public record RecordService(int value) {}

  public interface AnInterface {
    @Transactional
    void pay();
  }

  public static class FinalButUnannotated {
    @Transactional
    public void pay() {}

    public final String name() {
      return "fine: no @Transactional governs it";
    }
  }

  @Test
  void refusesFinalAnnotatedMethodsNamingThem() {
    assertThatThrownBy(() -> services.instantiate(FinalAnnotatedMethod.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FinalAnnotatedMethod.pay()")
        .hasMessageContaining("is final")
        .hasMessageNotContaining("refund");
  }

  @Test
  void refusesFinalMethodsCoveredByAClassLevelAnnotation() {
    assertThatThrownBy(() -> services.instantiate(ClassLevelWithFinalMethod.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ClassLevelWithFinalMethod.name()")
        .hasMessageContaining("is final");
  }

  @Test
  void refusesPrivateAndStaticAnnotatedMethods() {
    assertThatThrownBy(() -> services.instantiate(PrivateAnnotatedMethod.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hidden()")
        .hasMessageContaining("private");
    assertThatThrownBy(() -> services.instantiate(StaticAnnotatedMethod.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("utility()")
        .hasMessageContaining("static");
  }

  @Test
  void refusesClassesThatCannotBeSubclassed() {
    assertThatThrownBy(() -> services.instantiate(FinalClass.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(FinalClass.class.getName())
        .hasMessageContaining("final");
    assertThatThrownBy(() -> services.instantiate(AbstractService.class))
        .hasMessageContaining("abstract");
    assertThatThrownBy(() -> services.instantiate(EnumService.class)).hasMessageContaining("enum");
    assertThatThrownBy(() -> services.instantiate(RecordService.class, 1))
        .hasMessageContaining("record");
    assertThatThrownBy(() -> services.instantiate(AnInterface.class))
        .hasMessageContaining("not a class; use TransactionalServices.proxy");
    assertThatThrownBy(() -> services.instantiate(new Object() {}.getClass()))
        .hasMessageContaining("anonymous");
  }

  public static class InheritsPackagePrivateMethodFromAnotherPackage
      extends io.concord.transactional.fixtures.BaseWithPackagePrivateMethod {}

  @Test
  void refusesPackagePrivateMethodsOfSuperclassesInOtherPackages() {
    assertThatThrownBy(
            () -> services.instantiate(InheritsPackagePrivateMethodFromAnotherPackage.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BaseWithPackagePrivateMethod.internal()")
        .hasMessageContaining("package-private");
  }

  @Test
  void finalMethodsNoAnnotationGovernsAreAllowed() {
    FinalButUnannotated service = services.instantiate(FinalButUnannotated.class);
    assertThat(service.name()).startsWith("fine");
  }

  /** Records each constructor call and the transaction of each method call. */
  public static class Constructed {
    final String chosen;
    final List<Transaction> ranIn = new ArrayList<>();
    TransactionManager transactionManager;

    public Constructed() {
      this.chosen = "()";
    }

    public Constructed(String text) {
      this.chosen = "(String)";
    }

    public Constructed(Object object) {
      this.chosen = "(Object)";
    }

    public Constructed(int number) {
      this.chosen = "(int)";
    }

    public Constructed(String text, Object object) {
      this.chosen = "(String, Object)";
    }

    public Constructed(Object object, String text) {
      this.chosen = "(Object, String)";
    }

    protected Constructed(TransactionManager transactionManager, long marker) {
      this.chosen = "(TransactionManager, long)";
      this.transactionManager = transactionManager;
    }

    @Transactional
    public Transaction outer() throws SystemException {
      ranIn.add(transactionManager.getTransaction());
      inner();
      return transactionManager.getTransaction();
    }

    @Transactional(TxType.REQUIRES_NEW)
    public void inner() throws SystemException {
      ranIn.add(transactionManager.getTransaction());
    }

    @Transactional(TxType.MANDATORY)
    protected Transaction protectedMethod() throws SystemException {
      return transactionManager.getTransaction();
    }

    @Transactional(TxType.MANDATORY)
    Transaction packagePrivateMethod() throws SystemException {
      return transactionManager.getTransaction();
    }
  }

  @Test
  void choosesTheConstructorJavaWould() {
    assertThat(services.instantiate(Constructed.class).chosen).isEqualTo("()");
    assertThat(services.instantiate(Constructed.class, "text").chosen).isEqualTo("(String)");
    assertThat(services.instantiate(Constructed.class, 3.5).chosen).isEqualTo("(Object)");
    assertThat(services.instantiate(Constructed.class, 7).chosen).isEqualTo("(int)");
    assertThat(services.instantiate(Constructed.class, transactionManager, 1L).chosen)
        .isEqualTo("(TransactionManager, long)");
    assertThat(services.instantiate(Constructed.class, 1.0, "b").chosen)
        .isEqualTo("(Object, String)");
    assertThat(services.instantiate(Constructed.class, (Object) null).chosen)
        .as("null fits String and Object; String is more specific")
        .isEqualTo("(String)");
  }

  @Test
  void reportsAmbiguousAndMissingConstructors() {
    assertThatThrownBy(() -> services.instantiate(Constructed.class, "a", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than one constructor")
        .hasMessageContaining("(String, String)");
    assertThatThrownBy(() -> services.instantiate(Constructed.class, 1, 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no constructor")
        .hasMessageContaining("(Integer, Integer, Integer)")
        .hasMessageContaining("usable constructors");
  }

  public static class FailingConstructor {
    public FailingConstructor(RuntimeException failure) {
      throw failure;
    }

    public FailingConstructor(IOException failure) throws IOException {
      throw failure;
    }

    @Transactional
    public void pay() {}
  }

  @Test
  void constructorFailuresPropagate() {
    RuntimeException unchecked = new IllegalStateException("unchecked");
    assertThat(catchThrowable(() -> services.instantiate(FailingConstructor.class, unchecked)))
        .isSameAs(unchecked);
    IOException checked = new IOException("checked");
    assertThat(catchThrowable(() -> services.instantiate(FailingConstructor.class, checked)))
        .isInstanceOf(IllegalStateException.class)
        .hasCause(checked);
  }

  @Test
  void callsOnThisAreIntercepted() throws Exception {
    Constructed service = services.instantiate(Constructed.class, transactionManager, 0L);
    Transaction outerAfterInner = service.outer();
    assertThat(service.ranIn).hasSize(2);
    assertThat(service.ranIn.get(1))
        .as("REQUIRES_NEW called on this got its own transaction")
        .isNotNull()
        .isNotEqualTo(service.ranIn.get(0));
    assertThat(outerAfterInner).isEqualTo(service.ranIn.get(0));
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @Test
  void protectedAndPackagePrivateMethodsAreIntercepted() throws Exception {
    Constructed service = services.instantiate(Constructed.class, transactionManager, 0L);
    assertThatThrownBy(service::protectedMethod)
        .isInstanceOf(jakarta.transaction.TransactionalException.class);
    assertThatThrownBy(service::packagePrivateMethod)
        .isInstanceOf(jakarta.transaction.TransactionalException.class);
    transactionManager.begin();
    Transaction caller = transactionManager.getTransaction();
    assertThat(service.protectedMethod()).isEqualTo(caller);
    assertThat(service.packagePrivateMethod()).isEqualTo(caller);
    transactionManager.rollback();
  }

  @Test
  void generatesTheSubclassOncePerClass() {
    Constructed first = services.instantiate(Constructed.class);
    Constructed second = services.instantiate(Constructed.class, "x");
    assertThat(first.getClass()).isSameAs(second.getClass()).isNotEqualTo(Constructed.class);
    assertThat(first).isInstanceOf(Constructed.class);
    assertThat(first.getClass().getPackageName()).isEqualTo(Constructed.class.getPackageName());
    assertThat(first.getClass().getSimpleName()).contains("ConcordTransactional");
  }

  public static class CallsFromItsConstructor {
    final Transaction ranIn;

    public CallsFromItsConstructor(TransactionManager transactionManager) throws SystemException {
      ranIn = work(transactionManager);
    }

    @Transactional(TxType.REQUIRES_NEW)
    public Transaction work(TransactionManager transactionManager) throws SystemException {
      return transactionManager.getTransaction();
    }
  }

  @Test
  void callsFromTheConstructorAreIntercepted() throws Exception {
    CallsFromItsConstructor service =
        services.instantiate(CallsFromItsConstructor.class, transactionManager);
    assertThat(service.ranIn).isNotNull();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @Test
  void rejectsNullType() {
    assertThatThrownBy(() -> services.instantiate(null)).isInstanceOf(NullPointerException.class);
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
