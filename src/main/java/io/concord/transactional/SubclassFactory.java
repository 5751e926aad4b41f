package io.concord.transactional;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.NamingStrategy;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.MethodDelegation;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * Generates, caches and instantiates transactional subclasses of concrete classes with ByteBuddy.
 *
 * <p>The generated subclass overrides every method that a {@code @Transactional} governs and runs
 * {@code super.method(...)} inside the {@link TransactionalInterceptor}; all other methods are
 * inherited untouched. The instance is the subclass itself, built through the superclass
 * constructor that matches the given arguments, so calls a method makes on {@code this} are
 * intercepted too. It is defined in the application class's own package and class loader (through a
 * private lookup) so that package-private methods can be overridden; when the class's module does
 * not open its package, it is defined in a child class loader instead and package-private methods
 * and constructors cannot be used.
 */
final class SubclassFactory {
  private final TransactionalInterceptor interceptor;

  private final ClassValue<Class<?>> subclasses =
      new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> type) {
          return generate(type);
        }
      };

  SubclassFactory(TransactionalInterceptor interceptor) {
    this.interceptor = interceptor;
  }

  <T> T instantiate(Class<T> type, Object[] constructorArguments) {
    Class<?> subclass = subclasses.get(type);
    Constructor<?> superConstructor = chooseConstructor(type, subclass, constructorArguments);
    Constructor<?> constructor;
    try {
      constructor = subclass.getDeclaredConstructor(superConstructor.getParameterTypes());
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          "the transactional subclass of " + type.getName() + " lacks " + superConstructor, e);
    }
    constructor.trySetAccessible();
    try {
      return type.cast(constructor.newInstance(constructorArguments));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(
          "constructor " + superConstructor + " threw " + cause.getClass().getName(), cause);
    } catch (InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException(
          "cannot instantiate the transactional subclass of " + type.getName(), e);
    }
  }

  private Class<?> generate(Class<?> type) {
    refuseUnsubclassable(type);
    MethodHandles.Lookup lookup = privateLookup(type);
    boolean samePackage = lookup != null;
    Map<Method, TransactionPolicy> intercepted = interceptedMethods(type, samePackage);

    DynamicType.Builder<?> builder =
        new ByteBuddy()
            .with(new NamingStrategy.SuffixingRandom("ConcordTransactional"))
            .subclass(type, ConstructorStrategy.Default.IMITATE_SUPER_CLASS_OPENING);
    for (Map.Entry<Method, TransactionPolicy> entry : intercepted.entrySet()) {
      builder =
          builder
              .method(ElementMatchers.is(entry.getKey()))
              .intercept(
                  MethodDelegation.withDefaultConfiguration()
                      .filter(ElementMatchers.named("intercept"))
                      .to(new SubclassMethodInterceptor(interceptor, entry.getValue())));
    }
    ClassLoadingStrategy<ClassLoader> strategy =
        samePackage
            ? ClassLoadingStrategy.UsingLookup.of(lookup)
            : ClassLoadingStrategy.Default.WRAPPER;
    Class<?> subclass;
    try (DynamicType.Unloaded<?> unloaded = builder.make()) {
      subclass = unloaded.load(type.getClassLoader(), strategy).getLoaded();
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalArgumentException(
          "cannot generate a transactional subclass of " + type.getName() + ": " + e, e);
    }
    for (Method method : intercepted.keySet()) {
      try {
        subclass.getDeclaredMethod(method.getName(), method.getParameterTypes());
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(
            "the transactional subclass of " + type.getName() + " does not override " + method, e);
      }
    }
    return subclass;
  }

  private static void refuseUnsubclassable(Class<?> type) {
    String reason = null;
    if (type.isInterface() || type.isPrimitive() || type.isArray()) {
      reason = "it is not a class; use TransactionalServices.proxy for interfaces";
    } else if (type.isEnum() || type.isRecord()) {
      reason = "enums and records cannot be subclassed";
    } else if (Modifier.isFinal(type.getModifiers())) {
      reason = "it is final; make it non-final, or give it an interface and use proxy(...)";
    } else if (type.isSealed()) {
      reason = "it is sealed";
    } else if (Modifier.isAbstract(type.getModifiers())) {
      reason = "it is abstract; pass a concrete subclass";
    } else if (type.isHidden()) {
      reason = "it is a hidden class";
    } else if (type.isAnonymousClass()) {
      reason = "it is an anonymous class";
    }
    if (reason != null) {
      throw new IllegalArgumentException(
          "cannot make " + type.getName() + " transactional by subclassing: " + reason);
    }
  }

  /** A lookup that defines classes in {@code type}'s package, or null when it is not open to us. */
  private static MethodHandles.Lookup privateLookup(Class<?> type) {
    try {
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup());
    } catch (IllegalAccessException | SecurityException e) {
      return null;
    }
  }

  /**
   * The methods to override, each with its policy; refuses (with every problem in one message) a
   * class with a {@code @Transactional} method that a subclass cannot override.
   */
  private static Map<Method, TransactionPolicy> interceptedMethods(
      Class<?> type, boolean samePackage) {
    Map<Method, TransactionPolicy> intercepted = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Method method : overridableCandidates(type)) {
      int modifiers = method.getModifiers();
      if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers)) {
        if (TransactionPolicyResolver.declaredOn(method) != null) {
          problems.add(
              describe(method)
                  + " is "
                  + (Modifier.isPrivate(modifiers) ? "private" : "static")
                  + ": its @Transactional can never take effect");
        }
        continue;
      }
      TransactionPolicy policy = TransactionPolicyResolver.resolve(type, method);
      if (policy == null) {
        continue;
      }
      if (Modifier.isFinal(modifiers)) {
        problems.add(
            describe(method)
                + " is final: a subclass cannot override it, so "
                + policy
                + " would silently not apply; make it non-final");
      } else if (isPackagePrivate(modifiers)
          && !(samePackage && sameRuntimePackage(method.getDeclaringClass(), type))) {
        problems.add(
            describe(method)
                + " is package-private and the subclass cannot be defined in its package"
                + (samePackage ? "" : " (the package is not open to io.concord.transactional)")
                + "; make it protected or public");
      } else {
        intercepted.put(method, policy);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot make "
              + type.getName()
              + " transactional by subclassing:\n  "
              + String.join("\n  ", problems));
    }
    return intercepted;
  }

  /**
   * The most specific declaration of every instance or static method in the class hierarchy (and
   * interface default methods no class overrides), without bridges and without methods declared by
   * Object.
   */
  private static List<Method> overridableCandidates(Class<?> type) {
    Set<String> seen = new HashSet<>();
    List<Method> candidates = new ArrayList<>();
    for (Class<?> current = type;
        current != null && current != Object.class;
        current = current.getSuperclass()) {
      for (Method method : current.getDeclaredMethods()) {
        String key = signatureKey(method);
        if (method.isBridge() || method.isSynthetic()) {
          // the bridge's erased signature is already served by the method it forwards to
          seen.add(key);
        } else if (seen.add(key) && !isObjectMethod(method)) {
          candidates.add(method);
        }
      }
    }
    for (Class<?> contract : allInterfaces(type)) {
      for (Method method : contract.getDeclaredMethods()) {
        if (method.isDefault() && seen.add(signatureKey(method))) {
          candidates.add(method);
        }
      }
    }
    return candidates;
  }

  private static Set<Class<?>> allInterfaces(Class<?> type) {
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    Deque<Class<?>> pending = new ArrayDeque<>();
    for (Class<?> current = type; current != null; current = current.getSuperclass()) {
      pending.addAll(Arrays.asList(current.getInterfaces()));
    }
    while (!pending.isEmpty()) {
      Class<?> next = pending.removeFirst();
      if (interfaces.add(next)) {
        pending.addAll(Arrays.asList(next.getInterfaces()));
      }
    }
    return interfaces;
  }

  private static String signatureKey(Method method) {
    return method.getName() + Arrays.toString(method.getParameterTypes());
  }

  private static boolean isObjectMethod(Method method) {
    try {
      Object.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static boolean isPackagePrivate(int modifiers) {
    return !Modifier.isPublic(modifiers)
        && !Modifier.isProtected(modifiers)
        && !Modifier.isPrivate(modifiers);
  }

  private static boolean sameRuntimePackage(Class<?> a, Class<?> b) {
    return a.getClassLoader() == b.getClassLoader()
        && Objects.equals(a.getPackageName(), b.getPackageName());
  }

  private static String describe(Method method) {
    return TransactionPolicyResolver.describe(method.getDeclaringClass(), method);
  }

  /**
   * The constructor of {@code type} for these argument values: the one applicable constructor (null
   * fits every reference type; a box fits its primitive), or the most specific of several, much
   * like Java's overload resolution; ambiguity is an error, never a guess.
   */
  private static Constructor<?> chooseConstructor(
      Class<?> type, Class<?> subclass, Object[] arguments) {
    List<Constructor<?>> applicable = new ArrayList<>();
    for (Constructor<?> candidate : type.getDeclaredConstructors()) {
      if (candidate.getParameterCount() == arguments.length
          && accepts(candidate.getParameterTypes(), arguments)
          && subclassImitates(subclass, candidate)) {
        applicable.add(candidate);
      }
    }
    List<Constructor<?>> mostSpecific =
        applicable.stream()
            .filter(
                candidate ->
                    applicable.stream()
                        .allMatch(
                            other ->
                                assignable(
                                    other.getParameterTypes(), candidate.getParameterTypes())))
            .collect(Collectors.toList());
    if (mostSpecific.size() == 1) {
      return mostSpecific.get(0);
    }
    String given =
        Arrays.stream(arguments)
            .map(argument -> argument == null ? "null" : argument.getClass().getSimpleName())
            .collect(Collectors.joining(", ", "(", ")"));
    String available =
        Arrays.stream(type.getDeclaredConstructors())
            .filter(constructor -> subclassImitates(subclass, constructor))
            .map(Constructor::toGenericString)
            .collect(Collectors.joining("\n  "));
    throw new IllegalArgumentException(
        (applicable.isEmpty() ? "no" : "more than one")
            + " constructor of "
            + type.getName()
            + " accepts the arguments "
            + given
            + (available.isEmpty()
                ? "; it has no constructor a subclass can call"
                : "; usable constructors:\n  " + available));
  }

  private static boolean subclassImitates(Class<?> subclass, Constructor<?> superConstructor) {
    try {
      subclass.getDeclaredConstructor(superConstructor.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static boolean accepts(Class<?>[] parameterTypes, Object[] arguments) {
    for (int i = 0; i < parameterTypes.length; i++) {
      Object argument = arguments[i];
      if (argument == null
          ? parameterTypes[i].isPrimitive()
          : !box(parameterTypes[i]).isInstance(argument)) {
        return false;
      }
    }
    return true;
  }

  private static boolean assignable(Class<?>[] wider, Class<?>[] narrower) {
    for (int i = 0; i < wider.length; i++) {
      if (!box(wider[i]).isAssignableFrom(box(narrower[i]))) {
        return false;
      }
    }
    return true;
  }

  private static Class<?> box(Class<?> type) {
    if (!type.isPrimitive()) {
      return type;
    }
    if (type == int.class) {
      return Integer.class;
    }
    if (type == long.class) {
      return Long.class;
    }
    if (type == boolean.class) {
      return Boolean.class;
    }
    if (type == double.class) {
      return Double.class;
    }
    if (type == float.class) {
      return Float.class;
    }
    if (type == short.class) {
      return Short.class;
    }
    if (type == byte.class) {
      return Byte.class;
    }
    return Character.class;
  }
}
