package io.concord.jdbc;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The transaction managers the jdbc tests run on. The package must work on any JTA TM, so every
 * behaviour test takes one of these as a parameter. Concord's own TM joins the list once the tm
 * branch is merged.
 */
record Jta(
    String name,
    TransactionManager transactionManager,
    TransactionSynchronizationRegistry registry) {

  @Override
  public String toString() {
    return name;
  }

  static List<Jta> all() {
    return List.of(narayana());
  }

  private static Jta narayana;

  /**
   * Narayana with its object store in a temporary directory, a random node identifier (its Xids
   * never collide with another process's), and org.jboss.tm.LastResource as its last-resource
   * interface (as WildFly configures it). Its recovery manager is never started here, so it never
   * touches other processes' in-doubt branches.
   */
  static synchronized Jta narayana() {
    if (narayana == null) {
      try {
        Path store = Files.createTempDirectory("concord-jdbc-narayana-");
        for (String name : new String[] {null, "communicationStore", "stateStore"}) {
          ObjectStoreEnvironmentBean bean =
              name == null
                  ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                  : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name);
          bean.setObjectStoreDir(store.toString());
        }
        arjPropertyManager
            .getCoreEnvironmentBean()
            .setNodeIdentifier("jdbc" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (CoreEnvironmentBeanException e) {
        throw new IllegalStateException(e);
      }
      jtaPropertyManager
          .getJTAEnvironmentBean()
          .setLastResourceOptimisationInterfaceClassName("org.jboss.tm.LastResource");
      narayana =
          new Jta(
              "Narayana",
              com.arjuna.ats.jta.TransactionManager.transactionManager(),
              new TransactionSynchronizationRegistryImple());
    }
    return narayana;
  }
}
