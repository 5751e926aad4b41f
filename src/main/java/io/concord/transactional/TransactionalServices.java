package io.concord.transactional;

import jakarta.transaction.TransactionManager;
import jakarta.transaction.UserTransaction;
import java.util.Objects;

/**
 * Makes services transactional by {@code @jakarta.transaction.Transactional}, outside any
 * container, on any JTA TransactionManager.
 *
 * <pre>{@code
 * TransactionalServices services = TransactionalServices.using(transactionManager);
 * OrderService orders = services.proxy(OrderService.class, new OrderServiceImpl(dataSource));
 * Billing billing = services.instantiate(Billing.class, dataSource, clock);
 * UserTransaction userTransaction = services.userTransaction();
 * }</pre>
 *
 * <ul>
 *   <li>{@link #proxy} wraps an existing object in a JDK dynamic proxy of one of its interfaces.
 *       Calls through the proxy are intercepted; calls the object makes on itself are not.
 *   <li>{@link #instantiate} creates an instance of a generated subclass of a concrete class,
 *       through the constructor that matches the arguments. Every call of a transactional method is
 *       intercepted, including calls the object makes on itself. Final, private and static methods
 *       cannot be overridden: a class where such a method is {@code @Transactional} is refused.
 *   <li>{@link #userTransaction} is a UserTransaction that throws IllegalStateException inside
 *       REQUIRED, REQUIRES_NEW, MANDATORY and SUPPORTS methods, as the specification demands. Hand
 *       it (not the TransactionManager's own UserTransaction) to the application.
 * </ul>
 *
 * <p>The annotations of a class or interface are read once, when its first proxy or subclass is
 * made; a call pays for a thread-local read, the TransactionManager's work and two field writes.
 * Instances are thread-safe and meant to be created once per TransactionManager.
 */
public final class TransactionalServices {
  private final TransactionalInterceptor interceptor;
  private final SubclassFactory subclasses;
  private final UserTransaction userTransaction;

  private TransactionalServices(TransactionManager transactionManager) {
    this.interceptor = new TransactionalInterceptor(transactionManager);
    this.subclasses = new SubclassFactory(interceptor);
    this.userTransaction = new GuardedUserTransaction(transactionManager);
  }

  /** Transactional services that begin, join, suspend and complete transactions on this TM. */
  public static TransactionalServices using(TransactionManager transactionManager) {
    Objects.requireNonNull(transactionManager, "transactionManager");
    return new TransactionalServices(transactionManager);
  }

  /**
   * A proxy implementing {@code interfaceType} that runs each {@code @Transactional} method of
   * {@code target} under its annotation and passes every other call straight to {@code target}.
   * {@code equals} is true for proxies of equal targets; {@code hashCode} and {@code toString} are
   * the target's.
   *
   * @throws IllegalArgumentException when {@code interfaceType} is not an interface or {@code
   *     target} does not implement it
   */
  public <T> T proxy(Class<T> interfaceType, T target) {
    Objects.requireNonNull(interfaceType, "interfaceType");
    Objects.requireNonNull(target, "target");
    if (!interfaceType.isInterface()) {
      throw new IllegalArgumentException(
          interfaceType.getName()
              + " is not an interface; JDK proxies implement interfaces, use instantiate(...) for"
              + " classes");
    }
    if (!interfaceType.isInstance(target)) {
      throw new IllegalArgumentException(
          target.getClass().getName() + " does not implement " + interfaceType.getName());
    }
    return InterfaceProxyHandler.create(interfaceType, target, interceptor);
  }

  /**
   * A new instance of a generated subclass of {@code type} whose {@code @Transactional} methods run
   * under their annotations, built by the constructor of {@code type} that Java would choose for
   * these arguments. The subclass is generated once per class and cached.
   *
   * @throws IllegalArgumentException when {@code type} cannot be subclassed (final, sealed,
   *     abstract, an interface, ...), has a {@code @Transactional} method a subclass cannot
   *     override (final, private, static, or package-private in a package closed to this library),
   *     or has no single constructor for the arguments
   */
  public <T> T instantiate(Class<T> type, Object... constructorArguments) {
    Objects.requireNonNull(type, "type");
    Object[] arguments = constructorArguments == null ? new Object[] {null} : constructorArguments;
    return subclasses.instantiate(type, arguments);
  }

  /**
   * A UserTransaction on this TransactionManager that refuses every call (IllegalStateException)
   * while the thread is inside a REQUIRED, REQUIRES_NEW, MANDATORY or SUPPORTS method, and works
   * everywhere else (outside intercepted methods, and in NOT_SUPPORTED and NEVER methods).
   */
  public UserTransaction userTransaction() {
    return userTransaction;
  }

  /** The TransactionManager these services use. */
  public TransactionManager transactionManager() {
    return interceptor.transactionManager();
  }
}
