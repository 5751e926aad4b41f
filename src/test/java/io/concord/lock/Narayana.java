package io.concord.lock;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import javax.sql.XADataSource;

/**
 * Narayana as the JTA transaction manager of the lock tests (Concord's own TM is built elsewhere),
 * with its object store in a temporary directory, and a minimal enlisting DataSource: one XA
 * connection per transaction, enlisted on first use, closed after completion.
 */
final class Narayana {
  private static final ReentrantLock INIT = new ReentrantLock();
  private static TransactionManager transactionManager;

  private Narayana() {}

  static TransactionManager transactionManager() {
    INIT.lock();
    try {
      if (transactionManager == null) {
        Path store = Files.createTempDirectory("concord-lock-narayana-");
        for (String name : new String[] {null, "communicationStore", "stateStore"}) {
          ObjectStoreEnvironmentBean bean =
              name == null
                  ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                  : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name);
          bean.setObjectStoreDir(store.toString());
        }
        arjPropertyManager
            .getCoreEnvironmentBean()
            .setNodeIdentifier("lk" + ThreadLocalRandom.current().nextInt(1_000_000));
        transactionManager = com.arjuna.ats.jta.TransactionManager.transactionManager();
      }
      return transactionManager;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      INIT.unlock();
    }
  }

  static TransactionSynchronizationRegistry registry() {
    transactionManager();
    return new TransactionSynchronizationRegistryImple();
  }

  /** A DataSource whose connections join the current Narayana transaction. */
  static DataSource enlisting(XADataSource xaDataSource) {
    return new EnlistingDataSource(xaDataSource);
  }

  private static final class EnlistingDataSource implements DataSource {
    private final XADataSource xa;
    private final Map<Transaction, Connection> byTransaction = new ConcurrentHashMap<>();

    EnlistingDataSource(XADataSource xa) {
      this.xa = xa;
    }

    @Override
    public Connection getConnection() throws SQLException {
      Transaction transaction;
      try {
        transaction = transactionManager().getTransaction();
      } catch (Exception e) {
        throw new SQLException(e);
      }
      if (transaction == null) {
        throw new SQLException("no transaction: this test DataSource only hands out enlisted ones");
      }
      Connection physical = byTransaction.get(transaction);
      if (physical == null) {
        XAConnection xaConnection = xa.getXAConnection();
        physical = xaConnection.getConnection();
        try {
          transaction.enlistResource(xaConnection.getXAResource());
          transaction.registerSynchronization(
              new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                  byTransaction.remove(transaction);
                  try {
                    xaConnection.close();
                  } catch (SQLException ignored) {
                    // test fixture
                  }
                }
              });
        } catch (Exception e) {
          xaConnection.close();
          throw new SQLException("could not enlist", e);
        }
        byTransaction.put(transaction, physical);
      }
      Connection target = physical;
      // Closing a handle inside the transaction must not close the enlisted connection.
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                if (method.getName().equals("close")) {
                  return null;
                }
                try {
                  return method.invoke(target, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
