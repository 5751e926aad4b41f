package io.concord.tm;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.UserTransaction;

/** The application's view of a {@link ConcordTransactionManager}: same thread association. */
final class ConcordUserTransaction implements UserTransaction {
  private final ConcordTransactionManager tm;

  ConcordUserTransaction(ConcordTransactionManager tm) {
    this.tm = tm;
  }

  @Override
  public void begin() throws NotSupportedException, SystemException {
    tm.begin();
  }

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    tm.commit();
  }

  @Override
  public void rollback() throws IllegalStateException, SecurityException, SystemException {
    tm.rollback();
  }

  @Override
  public void setRollbackOnly() throws IllegalStateException, SystemException {
    tm.setRollbackOnly();
  }

  @Override
  public int getStatus() throws SystemException {
    return tm.getStatus();
  }

  @Override
  public void setTransactionTimeout(int seconds) throws SystemException {
    tm.setTransactionTimeout(seconds);
  }

  @Override
  public String toString() {
    return "UserTransaction of " + tm;
  }
}
