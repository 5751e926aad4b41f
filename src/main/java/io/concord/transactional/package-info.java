/**
 * {@code @jakarta.transaction.Transactional} service methods outside any container, on any JTA
 * TransactionManager: JDK proxies for interfaces, generated subclasses for classes, and a
 * UserTransaction that knows when it must refuse to work. Entry point: {@link
 * io.concord.transactional.TransactionalServices}. This package depends only on the Jakarta
 * Transactions interfaces, ByteBuddy and SLF4J.
 */
package io.concord.transactional;
