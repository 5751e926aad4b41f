package io.concord.transactional;

/** The two ways a service becomes transactional; every behaviour test runs through both. */
enum ProxyKind {
  JDK_PROXY {
    @Override
    <T, I extends T> T make(
        TransactionalServices services,
        Class<T> contract,
        Class<I> implementation,
        Object... args) {
      return services.proxy(contract, newInstance(implementation, args));
    }
  },
  SUBCLASS {
    @Override
    <T, I extends T> T make(
        TransactionalServices services,
        Class<T> contract,
        Class<I> implementation,
        Object... args) {
      return services.instantiate(implementation, args);
    }
  };

  /** A transactional {@code contract} whose behaviour is {@code implementation}'s. */
  abstract <T, I extends T> T make(
      TransactionalServices services, Class<T> contract, Class<I> implementation, Object... args);

  private static <I> I newInstance(Class<I> implementation, Object... args) {
    for (var constructor : implementation.getDeclaredConstructors()) {
      if (constructor.getParameterCount() == args.length) {
        try {
          constructor.setAccessible(true);
          return implementation.cast(constructor.newInstance(args));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    throw new IllegalArgumentException("no constructor with " + args.length + " parameters");
  }

  @Override
  public String toString() {
    return this == JDK_PROXY ? "JDK proxy" : "ByteBuddy subclass";
  }
}
