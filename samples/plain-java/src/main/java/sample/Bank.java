package sample;

import jakarta.transaction.Transactional;

/** A service whose methods each run in one JTA transaction. */
public interface Bank {

  @Transactional
  void open(long account, long balance);

  /** Two accounts on two databases: Concord commits both or neither (two-phase commit). */
  @Transactional(rollbackOn = InsufficientFunds.class)
  void transfer(long from, long to, long amount) throws InsufficientFunds;

  @Transactional(Transactional.TxType.SUPPORTS)
  long balance(long account);

  /** Thrown when an account cannot pay; rolls the transfer back although it is checked. */
  final class InsufficientFunds extends Exception {
    private static final long serialVersionUID = 1L;

    public InsufficientFunds(long account) {
      super("account " + account + " cannot pay");
    }
  }
}
