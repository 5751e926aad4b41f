package io.concord.transactional;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Narayana's TransactionManager for tests, with its object stores in a temporary directory (set
 * before Narayana's first use, which reads the configuration once).
 */
final class NarayanaTransactionManager {
  private static final Object LOCK = new Object();
  private static boolean configured;

  private NarayanaTransactionManager() {}

  static TransactionManager transactionManager() {
    configure();
    return com.arjuna.ats.jta.TransactionManager.transactionManager();
  }

  static UserTransaction userTransaction() {
    configure();
    return com.arjuna.ats.jta.UserTransaction.userTransaction();
  }

  private static void configure() {
    synchronized (LOCK) {
      if (configured) {
        return;
      }
      try {
        Path store = Files.createTempDirectory("concord-narayana-store-");
        store.toFile().deleteOnExit();
        for (String name : new String[] {null, "communicationStore", "stateStore"}) {
          ObjectStoreEnvironmentBean bean =
              name == null
                  ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                  : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name);
          bean.setObjectStoreDir(store.toString());
        }
        BeanPopulator.getDefaultInstance(CoreEnvironmentBean.class)
            .setNodeIdentifier("concord-transactional-test");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("could not configure Narayana", e);
      }
      configured = true;
    }
  }
}
