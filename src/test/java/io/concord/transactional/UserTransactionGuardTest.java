package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.UserTransaction;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The UserTransaction from {@link TransactionalServices#userTransaction()}: every method refused
 * inside REQUIRED, REQUIRES_NEW, MANDATORY and SUPPORTS methods, fully usable inside NOT_SUPPORTED
 * and NEVER ones and outside, availability restored after nested calls, and per thread.
 */
class UserTransactionGuardTest {

  interface UserTransactionCall {
    void call(UserTransaction userTransaction) throws Exception;
  }

  private static final Map<String, UserTransactionCall> OPERATIONS =
      Map.of(
          "begin()", UserTransaction::begin,
          "commit()", UserTransaction::commit,
          "rollback()", UserTransaction::rollback,
          "setRollbackOnly()", UserTransaction::setRollbackOnly,
          "getStatus()", UserTransaction::getStatus,
          "setTransactionTimeout(int)",
              userTransaction -> userTransaction.setTransactionTimeout(5));

  public interface Scopes {
    void required(Runnable body);

    void requiresNew(Runnable body);

    void mandatory(Runnable body);

    void supports(Runnable body);

    void notSupported(Runnable body);

    void never(Runnable body);
  }

  public static class ScopeService implements Scopes {
    @Override
    @Transactional(TxType.REQUIRED)
    public void required(Runnable body) {
      body.run();
    }

    @Override
    @Transactional(TxType.REQUIRES_NEW)
    public void requiresNew(Runnable body) {
      body.run();
    }

    @Override
    @Transactional(TxType.MANDATORY)
    public void mandatory(Runnable body) {
      body.run();
    }

    @Override
    @Transactional(TxType.SUPPORTS)
    public void supports(Runnable body) {
      body.run();
    }

    @Override
    @Transactional(TxType.NOT_SUPPORTED)
    public void notSupported(Runnable body) {
      body.run();
    }

    @Override
    @Transactional(TxType.NEVER)
    public void never(Runnable body) {
      body.run();
    }
  }

  private static void inScope(Scopes scopes, TxType type, Runnable body) {
    switch (type) {
      case REQUIRED:
        scopes.required(body);
        break;
      case REQUIRES_NEW:
        scopes.requiresNew(body);
        break;
      case MANDATORY:
        scopes.mandatory(body);
        break;
      case SUPPORTS:
        scopes.supports(body);
        break;
      case NOT_SUPPORTED:
        scopes.notSupported(body);
        break;
      case NEVER:
        scopes.never(body);
        break;
      default:
        throw new IllegalArgumentException(String.valueOf(type));
    }
  }

  static Stream<Arguments> refusingScopes() {
    return Environments.all()
        .flatMap(
            environment ->
                Stream.of(TxType.REQUIRED, TxType.REQUIRES_NEW, TxType.MANDATORY, TxType.SUPPORTS)
                    .flatMap(
                        type ->
                            OPERATIONS.keySet().stream()
                                .sorted()
                                .map(
                                    operation ->
                                        Arguments.of(
                                            type,
                                            operation,
                                            environment.get()[0],
                                            environment.get()[1]))));
  }

  private TransactionManager transactionManager;

  @ParameterizedTest(name = "UserTransaction.{1} inside {0} via {2} on {3}")
  @MethodSource("refusingScopes")
  void refusedInside(TxType type, String operation, ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    UserTransaction userTransaction = services.userTransaction();
    Scopes scopes = kind.make(services, Scopes.class, ScopeService.class);
    if (type == TxType.MANDATORY) {
      transactionManager.begin();
    }
    int statusBefore = transactionManager.getStatus();

    Throwable[] refused = new Throwable[1];
    int[] statusInside = new int[1];
    inScope(
        scopes,
        type,
        () -> {
          try {
            OPERATIONS.get(operation).call(userTransaction);
          } catch (Throwable t) {
            refused[0] = t;
          }
          try {
            statusInside[0] = transactionManager.getStatus();
          } catch (SystemException e) {
            throw new IllegalStateException(e);
          }
        });

    assertThat(refused[0])
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("UserTransaction." + operation)
        .hasMessageContaining("@Transactional(" + type + ")")
        .hasMessageContaining("ScopeService.");
    assertThat(statusInside[0])
        .as("the refused call changed nothing")
        .isEqualTo(type == TxType.SUPPORTS ? Status.STATUS_NO_TRANSACTION : Status.STATUS_ACTIVE);
    assertThat(transactionManager.getStatus()).isEqualTo(statusBefore);
    if (type == TxType.MANDATORY) {
      transactionManager.rollback();
    }
  }

  @ParameterizedTest(name = "{0} via {1} on {2}")
  @MethodSource("allowingScopes")
  void usableInsideNotSupportedAndNever(TxType type, ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    UserTransaction userTransaction = services.userTransaction();
    Scopes scopes = kind.make(services, Scopes.class, ScopeService.class);
    RecordingSynchronization committed = new RecordingSynchronization();
    RecordingSynchronization rolledBack = new RecordingSynchronization();

    inScope(
        scopes,
        type,
        () -> {
          try {
            userTransaction.setTransactionTimeout(30);
            userTransaction.begin();
            transactionManager.getTransaction().registerSynchronization(committed);
            assertThat(userTransaction.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
            userTransaction.commit();
            userTransaction.begin();
            transactionManager.getTransaction().registerSynchronization(rolledBack);
            userTransaction.setRollbackOnly();
            userTransaction.rollback();
            userTransaction.setTransactionTimeout(0);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });

    assertThat(committed.committed()).isTrue();
    assertThat(rolledBack.rolledBack()).isTrue();
    assertThat(userTransaction.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
  }

  static Stream<Arguments> allowingScopes() {
    return Environments.all()
        .flatMap(
            environment ->
                Stream.of(TxType.NOT_SUPPORTED, TxType.NEVER)
                    .map(type -> Arguments.of(type, environment.get()[0], environment.get()[1])));
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void availabilityIsRestoredAfterNestedCalls(ProxyKind kind, TransactionManagerUnderTest tm)
      throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    UserTransaction userTransaction = services.userTransaction();
    Scopes scopes = kind.make(services, Scopes.class, ScopeService.class);
    List<String> observed = new java.util.ArrayList<>();
    Runnable probe = () -> observed.add(allowed(userTransaction) ? "allowed" : "refused");

    probe.run();
    scopes.required(
        () -> {
          probe.run();
          scopes.notSupported(
              () -> {
                probe.run();
                scopes.requiresNew(probe);
                probe.run();
                scopes.never(probe);
                probe.run();
              });
          probe.run();
          assertThat(
                  org.assertj.core.api.Assertions.catchThrowable(
                      () ->
                          scopes.notSupported(
                              () -> {
                                probe.run();
                                throw new IllegalStateException("fails in NOT_SUPPORTED");
                              })))
              .hasMessage("fails in NOT_SUPPORTED");
          probe.run();
        });
    probe.run();

    assertThat(observed)
        .containsExactly(
            "allowed", // outside
            "refused", // REQUIRED
            "allowed", // NOT_SUPPORTED in REQUIRED
            "refused", // REQUIRES_NEW in NOT_SUPPORTED
            "allowed", // back in NOT_SUPPORTED
            "allowed", // NEVER in NOT_SUPPORTED
            "allowed", // back in NOT_SUPPORTED
            "refused", // back in REQUIRED
            "allowed", // NOT_SUPPORTED that throws
            "refused", // back in REQUIRED after the exception
            "allowed"); // outside again
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void scopeIsPerThread(ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    UserTransaction userTransaction = services.userTransaction();
    Scopes scopes = kind.make(services, Scopes.class, ScopeService.class);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);

    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                scopes.required(
                    () -> {
                      inside.countDown();
                      await(release);
                    }));
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      assertThat(allowed(userTransaction))
          .as("another thread inside REQUIRED does not affect this one")
          .isTrue();
    } finally {
      release.countDown();
    }
    holder.get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "via {0} on {1}")
  @MethodSource("io.concord.transactional.Environments#all")
  void everyServicesInstanceRefusesInsideAnyInterceptedMethod(
      ProxyKind kind, TransactionManagerUnderTest tm) throws Exception {
    transactionManager = tm.transactionManager();
    TransactionalServices services = Environments.services(tm);
    UserTransaction other = TransactionalServices.using(transactionManager).userTransaction();
    Scopes scopes = kind.make(services, Scopes.class, ScopeService.class);
    boolean[] allowed = new boolean[1];
    scopes.required(() -> allowed[0] = allowed(other));
    assertThat(allowed[0]).isFalse();
  }

  static List<TransactionManagerUnderTest> transactionManagers() {
    return TransactionManagerUnderTest.all();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("transactionManagers")
  void outsideInterceptedMethodsItIsThePlainUserTransaction(TransactionManagerUnderTest tm)
      throws Exception {
    transactionManager = tm.transactionManager();
    UserTransaction userTransaction = Environments.services(tm).userTransaction();
    assertThat(userTransaction.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    userTransaction.begin();
    assertThat(transactionManager.getTransaction()).isNotNull();
    assertThatThrownBy(userTransaction::begin)
        .isInstanceOf(jakarta.transaction.NotSupportedException.class);
    userTransaction.rollback();
    assertThatThrownBy(userTransaction::commit).isInstanceOf(IllegalStateException.class);
    assertThat(userTransaction.toString()).contains("UserTransaction");
  }

  private static boolean allowed(UserTransaction userTransaction) {
    try {
      userTransaction.getStatus();
      return true;
    } catch (IllegalStateException refused) {
      return false;
    } catch (SystemException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void leaveTheThreadClean() throws SystemException {
    Environments.clearThread(transactionManager);
  }
}
