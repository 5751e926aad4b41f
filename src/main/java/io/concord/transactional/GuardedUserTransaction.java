package io.concord.transactional;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.UserTransaction;

/**
 * A UserTransaction on any TransactionManager that throws IllegalStateException from every method
 * while the thread is inside a REQUIRED, REQUIRES_NEW, MANDATORY or SUPPORTS method (the rule of
 * {@code @Transactional}'s javadoc). The UserTransaction operations are the TransactionManager's
 * operations of the same names, restricted to the thread's transaction, so delegating to the
 * TransactionManager is exact.
 */
final class GuardedUserTransaction implements UserTransaction {
  private final TransactionManager transactionManager;

  GuardedUserTransaction(TransactionManager transactionManager) {
    this.transactionManager = transactionManager;
  }

  @Override
  public void begin() throws NotSupportedException, SystemException {
    InterceptionScope.checkUserTransactionAllowed("begin()");
    transactionManager.begin();
  }

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    InterceptionScope.checkUserTransactionAllowed("commit()");
    transactionManager.commit();
  }

  @Override
  public void rollback() throws IllegalStateException, SecurityException, SystemException {
    InterceptionScope.checkUserTransactionAllowed("rollback()");
    transactionManager.rollback();
  }

  @Override
  public void setRollbackOnly() throws IllegalStateException, SystemException {
    InterceptionScope.checkUserTransactionAllowed("setRollbackOnly()");
    transactionManager.setRollbackOnly();
  }

  @Override
  public int getStatus() throws SystemException {
    InterceptionScope.checkUserTransactionAllowed("getStatus()");
    return transactionManager.getStatus();
  }

  @Override
  public void setTransactionTimeout(int seconds) throws SystemException {
    InterceptionScope.checkUserTransactionAllowed("setTransactionTimeout(int)");
    transactionManager.setTransactionTimeout(seconds);
  }

  @Override
  public String toString() {
    return "UserTransaction guarded by @Transactional scope, on " + transactionManager;
  }
}
