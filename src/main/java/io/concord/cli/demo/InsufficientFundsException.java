package io.concord.cli.demo;

/** A checked exception that still rolls back: {@code rollbackOn} names it. */
public final class InsufficientFundsException extends Exception {
  private static final long serialVersionUID = 1L;

  public InsufficientFundsException(long account, long amount) {
    super("account " + account + " cannot pay " + amount);
  }
}
