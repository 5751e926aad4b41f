package io.concord.cli.demo;

import jakarta.transaction.Transactional;

/**
 * The demo's service: money moves between accounts that live on different shards, and every call is
 * one JTA transaction (two-phase commit when it touches two databases, one-phase otherwise).
 */
public interface BankService {

  /**
   * Moves {@code amount} from one account to another and records one leg row per account on that
   * account's shard. Rows are locked in ascending account order, so transfers never deadlock across
   * databases (which no single database could detect).
   *
   * @throws InsufficientFundsException when {@code from} cannot pay; the transaction rolls back
   */
  @Transactional(rollbackOn = InsufficientFundsException.class)
  void transfer(long transferId, long from, long to, long amount) throws InsufficientFundsException;

  /**
   * Credits {@code amountEach} to each of {@code accounts} and records the run, with the fencing
   * token of the distributed lock that guards it, in the lock database — all in one transaction.
   *
   * @return the fencing token the run was recorded with
   */
  @Transactional
  long postInterest(long runId, long[] accounts, long amountEach);
}
