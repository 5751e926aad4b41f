package io.concord.jdbc;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import io.concord.log.ForceMode;
import io.concord.log.LogException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.tm.ConcordTransactionManager;
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
 * behaviour test takes one of these as a parameter: Narayana and Concord's own.
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
    return List.of(narayana(), concord());
  }

  private static Jta concord;

  /**
   * Concord's own transaction manager on a log in a temporary directory (not forced: these tests
   * measure behaviour, not fsync), with a random node id.
   */
  static synchronized Jta concord() {
    if (concord == null) {
      try {
        Path directory = Files.createTempDirectory("concord-jdbc-tm-");
        String nodeId = "jdbc-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        TransactionLog log =
            TransactionLog.open(
                LogOptions.builder(directory).nodeId(nodeId).forceMode(ForceMode.NONE).build());
        ConcordTransactionManager tm =
            ConcordTransactionManager.builder(log).nodeId(nodeId).build();
        concord = new Jta("Concord", tm, tm.transactionSynchronizationRegistry());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (LogException e) {
        throw new IllegalStateException(e);
      }
    }
    return concord;
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
