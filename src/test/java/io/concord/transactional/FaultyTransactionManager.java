package io.concord.transactional;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TransactionManager with failures injected on demand and calls counted: for the paths a
 * healthy TransactionManager never takes (begin, suspend or resume failing; heuristic outcomes).
 */
final class FaultyTransactionManager implements TransactionManager {
  enum Operation {
    GET_TRANSACTION,
    BEGIN,
    COMMIT,
    ROLLBACK,
    SUSPEND,
    RESUME
  }

  private final TransactionManager delegate;
  private final Map<Operation, Exception> failures = new EnumMap<>(Operation.class);
  private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);

  FaultyTransactionManager(TransactionManager delegate) {
    this.delegate = delegate;
    for (Operation operation : Operation.values()) {
      calls.put(operation, new AtomicInteger());
    }
  }

  /**
   * The next call of {@code operation} throws {@code failure}; for COMMIT the real commit runs
   * first (so the transaction really ends, as after a heuristic outcome).
   */
  void failNext(Operation operation, Exception failure) {
    failures.put(operation, failure);
  }

  int calls(Operation operation) {
    return calls.get(operation).get();
  }

  private void maybeFail(Operation operation) throws Exception {
    calls.get(operation).incrementAndGet();
    Exception failure = failures.remove(operation);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void begin() throws NotSupportedException, SystemException {
    try {
      maybeFail(Operation.BEGIN);
    } catch (NotSupportedException | SystemException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    delegate.begin();
  }

  @Override
  public void commit()
      throws RollbackException,
          HeuristicMixedException,
          HeuristicRollbackException,
          SecurityException,
          IllegalStateException,
          SystemException {
    Exception failure = failures.remove(Operation.COMMIT);
    calls.get(Operation.COMMIT).incrementAndGet();
    delegate.commit();
    if (failure instanceof HeuristicMixedException) {
      throw (HeuristicMixedException) failure;
    }
    if (failure instanceof HeuristicRollbackException) {
      throw (HeuristicRollbackException) failure;
    }
    if (failure instanceof SystemException) {
      throw (SystemException) failure;
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
  }

  @Override
  public int getStatus() throws SystemException {
    return delegate.getStatus();
  }

  @Override
  public Transaction getTransaction() throws SystemException {
    try {
      maybeFail(Operation.GET_TRANSACTION);
    } catch (SystemException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return delegate.getTransaction();
  }

  @Override
  public void resume(Transaction transaction)
      throws InvalidTransactionException, IllegalStateException, SystemException {
    try {
      maybeFail(Operation.RESUME);
    } catch (InvalidTransactionException | SystemException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    delegate.resume(transaction);
  }

  @Override
  public void rollback() throws IllegalStateException, SecurityException, SystemException {
    try {
      maybeFail(Operation.ROLLBACK);
    } catch (SystemException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    delegate.rollback();
  }

  @Override
  public void setRollbackOnly() throws IllegalStateException, SystemException {
    delegate.setRollbackOnly();
  }

  @Override
  public void setTransactionTimeout(int seconds) throws SystemException {
    delegate.setTransactionTimeout(seconds);
  }

  @Override
  public Transaction suspend() throws SystemException {
    try {
      maybeFail(Operation.SUSPEND);
    } catch (SystemException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return delegate.suspend();
  }
}
