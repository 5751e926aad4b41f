package io.concord.transactional;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * The InvocationHandler of a JDK proxy made by {@link TransactionalServices#proxy}: calls through
 * the interface reach the target inside the {@link TransactionalInterceptor}; the target's calls on
 * itself ({@code this.other()}) do not pass through the proxy and are not intercepted.
 */
final class InterfaceProxyHandler implements InvocationHandler {
  private final Object target;
  private final TransactionalInterceptor interceptor;

  /** Interface method → how to call it; the Object methods are absent. */
  private final Map<Method, Route> routes;

  /**
   * One interface method: the Method object to invoke (made accessible once here, unlike the one
   * the proxy passes in, which would be access-checked on every call) and its policy, null when no
   * {@code @Transactional} governs it.
   */
  private static final class Route {
    final Method method;
    final TransactionPolicy policy;

    Route(Method method, TransactionPolicy policy) {
      this.method = method;
      this.policy = policy;
    }
  }

  private InterfaceProxyHandler(
      Object target, TransactionalInterceptor interceptor, Map<Method, Route> routes) {
    this.target = target;
    this.interceptor = interceptor;
    this.routes = routes;
  }

  static <T> T create(Class<T> interfaceType, T target, TransactionalInterceptor interceptor) {
    Map<Method, Route> routes = new HashMap<>();
    for (Method method : interfaceType.getMethods()) {
      if (!method.trySetAccessible() && !canCall(method)) {
        throw new IllegalArgumentException(
            "cannot make "
                + interfaceType.getName()
                + " transactional: its method "
                + method
                + " is not accessible to io.concord.transactional (open its package to it)");
      }
      if (isObjectMethod(method)) {
        continue;
      }
      refuseInaccessibleReturnType(interfaceType, method);
      routes.put(
          method, new Route(method, TransactionPolicyResolver.resolve(target.getClass(), method)));
    }
    InterfaceProxyHandler handler = new InterfaceProxyHandler(target, interceptor, routes);
    Object proxy =
        Proxy.newProxyInstance(
            interfaceType.getClassLoader(), new Class<?>[] {interfaceType}, handler);
    return interfaceType.cast(proxy);
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    Route route = routes.get(method);
    if (route == null) {
      return objectMethod(proxy, method, args);
    }
    if (route.policy == null) {
      return callTarget(route.method, args);
    }
    return interceptor.invoke(route.policy, () -> callTarget(route.method, args));
  }

  /** Calls the target; its exception, whatever its type, is thrown as it is (not wrapped). */
  private Object callTarget(Method method, Object[] args) throws Exception {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw Sneaky.<Exception>rethrow(e.getCause());
    }
  }

  /** equals is true for proxies of equal targets; hashCode and toString are the target's. */
  private Object objectMethod(Object proxy, Method method, Object[] args) {
    switch (method.getName()) {
      case "equals":
        Object other = args[0];
        if (other == proxy) {
          return true;
        }
        if (other != null && Proxy.isProxyClass(other.getClass())) {
          InvocationHandler otherHandler = Proxy.getInvocationHandler(other);
          return otherHandler instanceof InterfaceProxyHandler
              && target.equals(((InterfaceProxyHandler) otherHandler).target);
        }
        return false;
      case "hashCode":
        return target.hashCode();
      case "toString":
        return target.toString();
      default:
        throw new IllegalStateException("unexpected Object method on a proxy: " + method);
    }
  }

  private static boolean isObjectMethod(Method method) {
    try {
      Object.class.getMethod(method.getName(), method.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /**
   * A JDK proxy casts each return value to the method's return type, and it lives in a generated
   * module (public interfaces) or in the interface's package (package-private ones): a return type
   * it cannot see would fail with IllegalAccessError on every call, so it is refused here.
   */
  private static void refuseInaccessibleReturnType(Class<?> interfaceType, Method method) {
    Class<?> type = method.getReturnType();
    while (type.isArray()) {
      type = type.getComponentType();
    }
    if (type.isPrimitive()) {
      return;
    }
    // the JVM checks the class's own access flag only (a public class nested in a package-private
    // one is accessible at run time), so enclosing classes do not matter here
    boolean visible = Modifier.isPublic(type.getModifiers());
    boolean samePackage =
        !Modifier.isPublic(interfaceType.getModifiers())
            && type.getClassLoader() == interfaceType.getClassLoader()
            && type.getPackageName().equals(interfaceType.getPackageName());
    if (!visible && !samePackage) {
      throw new IllegalArgumentException(
          "cannot proxy "
              + interfaceType.getName()
              + ": "
              + method
              + " returns "
              + type.getName()
              + ", which is not public, so a JDK proxy of the interface cannot return it; make it"
              + " public");
    }
  }

  private static boolean canCall(Method method) {
    return Modifier.isPublic(method.getDeclaringClass().getModifiers());
  }

  /** Throws a checked Throwable without declaring it: it was already thrown by the target. */
  static final class Sneaky {
    private Sneaky() {}

    @SuppressWarnings(
        "unchecked") // erased: the cast is never checked, the throwable keeps its type
    static <E extends Throwable> E rethrow(Throwable throwable) throws E {
      throw (E) throwable;
    }
  }
}
