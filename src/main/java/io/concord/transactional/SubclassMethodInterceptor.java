package io.concord.transactional;

import java.util.concurrent.Callable;
import net.bytebuddy.implementation.bind.annotation.RuntimeType;
import net.bytebuddy.implementation.bind.annotation.SuperCall;

/**
 * Not API: the object that a generated transactional subclass calls for one of its overridden
 * methods. It is public only because the generated class lives in the application's package; it
 * cannot be created outside this package.
 */
public final class SubclassMethodInterceptor {
  private final TransactionalInterceptor interceptor;
  private final TransactionPolicy policy;

  SubclassMethodInterceptor(TransactionalInterceptor interceptor, TransactionPolicy policy) {
    this.interceptor = interceptor;
    this.policy = policy;
  }

  /**
   * Runs the overridden method ({@code superMethod} calls {@code super.method(args)}) under this
   * method's policy. Throws what the method throws, unchanged.
   *
   * @throws Throwable the application's own exception or a TransactionalException
   */
  @RuntimeType
  public Object intercept(@SuperCall Callable<?> superMethod) throws Throwable {
    return interceptor.invoke(policy, superMethod);
  }

  @Override
  public String toString() {
    return "transactional interception of " + policy;
  }
}
