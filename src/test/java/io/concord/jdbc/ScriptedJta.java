package io.concord.jdbc;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A transaction manager the test drives by hand: enlistment starts a branch, and completion does
 * only what the test asks for. It lets a test produce what a real TM only produces under failure,
 * such as a prepared branch whose phase 2 never reaches its connection.
 */
final class ScriptedJta implements TransactionManager, TransactionSynchronizationRegistry {
  private final ThreadLocal<Tx> current = new ThreadLocal<>();

  Jta asJta() {
    return new Jta("Scripted", this, this);
  }

  static final class Tx implements Transaction {
    final Xid xid =
        new RecordedXid(
            0x5343524B,
            ByteBuffer.allocate(16)
                .putLong(ThreadLocalRandom.current().nextLong())
                .putLong(System.nanoTime())
                .array(),
            new byte[] {1});
    final List<XAResource> enlisted = new ArrayList<>();
    final List<Synchronization> interposed = new ArrayList<>();
    final Map<Object, Object> resources = new HashMap<>();
    int status = Status.STATUS_ACTIVE;

    @Override
    public boolean enlistResource(XAResource resource) throws jakarta.transaction.SystemException {
      try {
        resource.start(xid, XAResource.TMNOFLAGS);
      } catch (javax.transaction.xa.XAException e) {
        throw new jakarta.transaction.SystemException(e.toString());
      }
      enlisted.add(resource);
      return true;
    }

    /** Reports completion to the synchronizations without touching any branch. */
    void complete(int outcome) {
      status = outcome;
      for (Synchronization synchronization : interposed) {
        synchronization.afterCompletion(outcome);
      }
    }

    @Override
    public boolean delistResource(XAResource resource, int flag) {
      return true;
    }

    @Override
    public void commit() {
      throw new UnsupportedOperationException("scripted: the test completes by hand");
    }

    @Override
    public void rollback() {
      throw new UnsupportedOperationException("scripted: the test completes by hand");
    }

    @Override
    public void registerSynchronization(Synchronization synchronization) {
      interposed.add(synchronization);
    }

    @Override
    public void setRollbackOnly() {
      status = Status.STATUS_MARKED_ROLLBACK;
    }

    @Override
    public int getStatus() {
      return status;
    }
  }

  Tx tx() {
    return current.get();
  }

  @Override
  public void begin() {
    current.set(new Tx());
  }

  @Override
  public void commit() {
    throw new UnsupportedOperationException("scripted: the test completes by hand");
  }

  @Override
  public void rollback() {
    current.remove();
  }

  @Override
  public void setRollbackOnly() {
    tx().setRollbackOnly();
  }

  @Override
  public int getStatus() {
    Tx tx = tx();
    return tx == null ? Status.STATUS_NO_TRANSACTION : tx.status;
  }

  @Override
  public Transaction getTransaction() {
    return tx();
  }

  @Override
  public void setTransactionTimeout(int seconds) {}

  @Override
  public Transaction suspend() {
    Tx tx = tx();
    current.remove();
    return tx;
  }

  @Override
  public void resume(Transaction transaction) {
    current.set((Tx) transaction);
  }

  @Override
  public Object getTransactionKey() {
    return tx();
  }

  @Override
  public void putResource(Object key, Object value) {
    tx().resources.put(key, value);
  }

  @Override
  public Object getResource(Object key) {
    return tx().resources.get(key);
  }

  @Override
  public void registerInterposedSynchronization(Synchronization synchronization) {
    tx().interposed.add(synchronization);
  }

  @Override
  public int getTransactionStatus() {
    return getStatus();
  }

  @Override
  public boolean getRollbackOnly() {
    return getStatus() == Status.STATUS_MARKED_ROLLBACK;
  }
}
