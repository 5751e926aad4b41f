package io.concord.transactional;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Narayana for tests, configured before its first use (it reads its configuration once): object
 * stores in a temporary directory, a random node identifier, and org.jboss.tm.LastResource as the
 * last-resource interface — the same settings as the jdbc tests' fixture, so that whichever runs
 * first in a shared JVM, both get what they expect. Its recovery manager is never started.
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

  static TransactionSynchronizationRegistry synchronizationRegistry() {
    configure();
    return new TransactionSynchronizationRegistryImple();
  }

  private static void configure() {
    synchronized (LOCK) {
      if (configured) {
        return;
      }
      try {
        Path store = Files.createTempDirectory("concord-transactional-narayana-");
        for (String name : new String[] {null, "communicationStore", "stateStore"}) {
          ObjectStoreEnvironmentBean bean =
              name == null
                  ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                  : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name);
          bean.setObjectStoreDir(store.toString());
        }
        arjPropertyManager
            .getCoreEnvironmentBean()
            .setNodeIdentifier("tx" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("could not configure Narayana", e);
      }
      jtaPropertyManager
          .getJTAEnvironmentBean()
          .setLastResourceOptimisationInterfaceClassName("org.jboss.tm.LastResource");
      configured = true;
    }
  }
}
