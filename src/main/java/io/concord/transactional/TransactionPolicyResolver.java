package io.concord.transactional;

import jakarta.transaction.Transactional;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the {@code @Transactional} that governs a method called on an instance of a bean class.
 *
 * <p>Order (the first hit wins):
 *
 * <ol>
 *   <li>Method level: the most specific implementation in the bean class, then the methods it
 *       overrides in superclasses, then the interface methods it implements. A method-level
 *       annotation anywhere on that chain beats every class-level one.
 *   <li>Type level: the bean class, then its superclasses (nearest first; so class-level
 *       annotations are inherited as {@code @Inherited} says), then the interfaces that declare the
 *       method.
 * </ol>
 *
 * <p>On every element the annotation may be present directly or through a stereotype (an annotation
 * type annotated with {@code @Transactional}, recursively); a direct annotation beats stereotypes,
 * and two stereotypes that say different things on the same element are an error. Generic methods
 * are matched through their bridge methods, so an annotation on {@code Repository<T>.save(T)}
 * governs {@code OrderRepository.save(Order)}.
 */
final class TransactionPolicyResolver {
  private TransactionPolicyResolver() {}

  /** The policy for {@code invoked} on a {@code beanClass} instance; null when none applies. */
  static TransactionPolicy resolve(Class<?> beanClass, Method invoked) {
    Method implementation = mostSpecificImplementation(beanClass, invoked);
    List<Class<?>[]> signatures = signaturesOf(implementation, beanClass);
    String description = describe(beanClass, implementation);

    Transactional methodLevel =
        methodLevel(beanClass, invoked, implementation.getName(), signatures);
    if (methodLevel != null) {
      return TransactionPolicy.of(methodLevel, description);
    }
    for (Class<?> type = beanClass;
        type != null && type != Object.class;
        type = type.getSuperclass()) {
      Transactional found = declaredOn(type);
      if (found != null) {
        return TransactionPolicy.of(found, description);
      }
    }
    for (Class<?> type : interfacesOf(beanClass, invoked)) {
      if (declaresAny(type, implementation.getName(), signatures)) {
        Transactional found = declaredOn(type);
        if (found != null) {
          return TransactionPolicy.of(found, description);
        }
      }
    }
    return null;
  }

  /** The annotation on {@code method} itself (directly or by stereotype); null when none. */
  static Transactional declaredOn(AnnotatedElement element) {
    Transactional direct = element.getDeclaredAnnotation(Transactional.class);
    if (direct != null) {
      return direct;
    }
    List<Transactional> fromStereotypes = new ArrayList<>();
    for (Annotation annotation : element.getDeclaredAnnotations()) {
      Transactional found = inStereotype(annotation.annotationType(), new HashSet<>());
      if (found != null && !fromStereotypes.contains(found)) {
        fromStereotypes.add(found);
      }
    }
    if (fromStereotypes.size() > 1) {
      throw new IllegalArgumentException(
          element
              + " carries stereotypes with different @Transactional settings "
              + fromStereotypes
              + "; annotate it with @Transactional directly to say which one applies");
    }
    return fromStereotypes.isEmpty() ? null : fromStereotypes.get(0);
  }

  private static Transactional inStereotype(
      Class<? extends Annotation> type, Set<Class<?>> visited) {
    if (type.getName().startsWith("java.lang.annotation.") || !visited.add(type)) {
      return null;
    }
    Transactional direct = type.getDeclaredAnnotation(Transactional.class);
    if (direct != null) {
      return direct;
    }
    for (Annotation annotation : type.getDeclaredAnnotations()) {
      Transactional found = inStereotype(annotation.annotationType(), visited);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Transactional methodLevel(
      Class<?> beanClass, Method invoked, String name, List<Class<?>[]> signatures) {
    for (Class<?> type = beanClass;
        type != null && type != Object.class;
        type = type.getSuperclass()) {
      Transactional found = onDeclaredMethod(type, name, signatures);
      if (found != null) {
        return found;
      }
    }
    for (Class<?> type : interfacesOf(beanClass, invoked)) {
      Transactional found = onDeclaredMethod(type, name, signatures);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Transactional onDeclaredMethod(
      Class<?> type, String name, List<Class<?>[]> signatures) {
    for (Class<?>[] signature : signatures) {
      Method declared = declaredMethod(type, name, signature);
      if (declared != null) {
        Transactional found = declaredOn(declared);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static boolean declaresAny(Class<?> type, String name, List<Class<?>[]> signatures) {
    for (Class<?>[] signature : signatures) {
      if (declaredMethod(type, name, signature) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The implementation the bean class runs for {@code invoked}: its most specific declaration in
   * the class hierarchy, with a bridge replaced by the method it bridges to; {@code invoked} itself
   * when no class declares it (an interface default method).
   */
  static Method mostSpecificImplementation(Class<?> beanClass, Method invoked) {
    for (Class<?> type = beanClass; type != null; type = type.getSuperclass()) {
      Method declared = declaredMethod(type, invoked.getName(), invoked.getParameterTypes());
      if (declared != null) {
        if (declared.isBridge()) {
          Method bridged = bridgedMethod(declared);
          return bridged != null ? bridged : declared;
        }
        return declared;
      }
    }
    return invoked;
  }

  /** The method a bridge method forwards to: same class, name and arity, narrower parameters. */
  private static Method bridgedMethod(Method bridge) {
    Method bridged = null;
    for (Method candidate : bridge.getDeclaringClass().getDeclaredMethods()) {
      if (!candidate.isBridge()
          && candidate.getName().equals(bridge.getName())
          && candidate.getParameterCount() == bridge.getParameterCount()
          && assignable(bridge.getParameterTypes(), candidate.getParameterTypes())
          && bridge.getReturnType().isAssignableFrom(candidate.getReturnType())) {
        if (bridged != null) {
          return null; // ambiguous: fall back to the bridge, which javac annotates like its target
        }
        bridged = candidate;
      }
    }
    return bridged;
  }

  /**
   * The parameter lists under which {@code method} can be called: its own, and those of bridge
   * methods in the bean class hierarchy that forward to it (the erased signatures of the generic
   * methods it implements).
   */
  private static List<Class<?>[]> signaturesOf(Method method, Class<?> beanClass) {
    List<Class<?>[]> signatures = new ArrayList<>();
    signatures.add(method.getParameterTypes());
    for (Class<?> type = beanClass; type != null; type = type.getSuperclass()) {
      for (Method candidate : type.getDeclaredMethods()) {
        if (candidate.isBridge()
            && candidate.getName().equals(method.getName())
            && candidate.getParameterCount() == method.getParameterCount()
            && assignable(candidate.getParameterTypes(), method.getParameterTypes())
            && signatures.stream()
                .noneMatch(known -> Arrays.equals(known, candidate.getParameterTypes()))) {
          signatures.add(candidate.getParameterTypes());
        }
      }
    }
    return signatures;
  }

  private static boolean assignable(Class<?>[] wider, Class<?>[] narrower) {
    for (int i = 0; i < wider.length; i++) {
      if (!wider[i].isAssignableFrom(narrower[i])) {
        return false;
      }
    }
    return true;
  }

  private static Method declaredMethod(Class<?> type, String name, Class<?>[] parameterTypes) {
    try {
      return type.getDeclaredMethod(name, parameterTypes);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /** Every interface of the bean class hierarchy, nearest first, then the invoked one's own. */
  private static Set<Class<?>> interfacesOf(Class<?> beanClass, Method invoked) {
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    Deque<Class<?>> pending = new ArrayDeque<>();
    for (Class<?> type = beanClass; type != null; type = type.getSuperclass()) {
      pending.addAll(Arrays.asList(type.getInterfaces()));
    }
    if (invoked.getDeclaringClass().isInterface()) {
      pending.add(invoked.getDeclaringClass());
    }
    while (!pending.isEmpty()) {
      Class<?> next = pending.removeFirst();
      if (interfaces.add(next)) {
        pending.addAll(Arrays.asList(next.getInterfaces()));
      }
    }
    return interfaces;
  }

  /** "OrderService.place(Order, int)": short enough for messages, exact enough to find it. */
  static String describe(Class<?> beanClass, Method method) {
    String className =
        beanClass.getSimpleName().isEmpty() ? beanClass.getName() : beanClass.getSimpleName();
    return className
        + "."
        + method.getName()
        + Arrays.stream(method.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(", ", "(", ")"));
  }
}
