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
 * {@link TransactionalServices#proxy}: argument checks, the Object methods, calls on {@code this}
 * (not intercepted: documented limitation), package-private interfaces, and return types a JDK
 * proxy cannot return refused at creation.
 */
class InterfaceProxyServicesTest {
  private TransactionManager transactionManager;
  private TransactionalServices services;

  @BeforeEach
  void setUp() {
    TransactionManagerUnderTest tm = TransactionManagerUnderTest.all().get(0);
    transactionManager = tm.transactionManager();
    services = Environments.services(tm);
  }

  public interface Accounts {
    Transaction outer() throws SystemException;

    void inner() throws SystemException;

    void unannotated(Exception failure) throws Exception;
  }

  public static class AccountService implements Accounts {
    final List<Transaction> ranIn = new ArrayList<>();
    private final TransactionManager transactionManager;
    private final String name;

    public AccountService(TransactionManager transactionManager, String name) {
      this.transactionManager = transactionManager;
      this.name = name;
    }

    @Override
    @Transactional
    public Transaction outer() throws SystemException {
      ranIn.add(transactionManager.getTransaction());
      inner();
      return transactionManager.getTransaction();
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public void inner() throws SystemException {
      ranIn.add(transactionManager.getTransaction());
    }

    @Override
    public void unannotated(Exception failure) throws Exception {
      throw failure;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof AccountService && ((AccountService) other).name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }

    @Override
    public String toString() {
      return "accounts " + name;
    }
  }

  @Test
  void callsOnThisBypassTheProxy() throws Exception {
    AccountService target = new AccountService(transactionManager, "a");
    Accounts accounts = services.proxy(Accounts.class, target);
    Transaction afterInner = accounts.outer();
    assertThat(target.ranIn).hasSize(2);
    assertThat(target.ranIn.get(1))
        .as("this.inner() is a plain call: same transaction despite REQUIRES_NEW")
        .isEqualTo(target.ranIn.get(0))
        .isEqualTo(afterInner);

    accounts.inner();
    assertThat(target.ranIn.get(2)).as("through the proxy it is intercepted").isNotNull();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  @Test
  void unannotatedMethodsPassThroughWithTheirExceptionsUnchanged() {
    Accounts accounts = services.proxy(Accounts.class, new AccountService(transactionManager, "a"));
    IOException failure = new IOException("checked");
    assertThat(catchThrowable(() -> accounts.unannotated(failure))).isSameAs(failure);
  }

  @Test
  void objectMethods() {
    Accounts a = services.proxy(Accounts.class, new AccountService(transactionManager, "a"));
    Accounts alsoA = services.proxy(Accounts.class, new AccountService(transactionManager, "a"));
    Accounts b = services.proxy(Accounts.class, new AccountService(transactionManager, "b"));
    assertThat(a).isEqualTo(a).isEqualTo(alsoA).isNotEqualTo(b);
    assertThat(a.equals(new AccountService(transactionManager, "a")))
        .as("a proxy equals proxies, not bare targets")
        .isFalse();
    assertThat(a.equals(null)).isFalse();
    assertThat(a.hashCode()).isEqualTo("a".hashCode());
    assertThat(a.toString()).isEqualTo("accounts a");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void rejectsBadArguments() {
    assertThatThrownBy(() -> services.proxy(AccountService.class, new AccountService(null, "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an interface");
    assertThatThrownBy(() -> services.proxy((Class) Runnable.class, "not a Runnable"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String does not implement java.lang.Runnable");
    assertThatThrownBy(() -> services.proxy(null, new Object()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> services.proxy(Runnable.class, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TransactionalServices.using(null))
        .isInstanceOf(NullPointerException.class);
  }

  interface PackagePrivateContract {
    Transaction work() throws SystemException;
  }

  static class PackagePrivateImplementation implements PackagePrivateContract {
    private final TransactionManager transactionManager;

    PackagePrivateImplementation(TransactionManager transactionManager) {
      this.transactionManager = transactionManager;
    }

    @Override
    @Transactional
    public Transaction work() throws SystemException {
      return transactionManager.getTransaction();
    }
  }

  @Test
  void packagePrivateInterfacesWork() throws Exception {
    PackagePrivateContract contract =
        services.proxy(
            PackagePrivateContract.class, new PackagePrivateImplementation(transactionManager));
    assertThat(contract.work()).isNotNull();
    assertThat(transactionManager.getTransaction()).isNull();
  }

  static final class Hidden {}

  public interface ReturnsHidden {
    Hidden hidden();
  }

  @Test
  void refusesReturnTypesTheProxyCannotReturn() {
    assertThatThrownBy(() -> services.proxy(ReturnsHidden.class, () -> new Hidden()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hidden()")
        .hasMessageContaining("Hidden, which is not public");
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
