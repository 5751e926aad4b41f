package io.concord.shard;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.concord.jdbc.ConcordDataSource;
import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.testing.TestDatabase;
import io.concord.tm.ConcordTransactionManager;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * A transaction manager and XA pools that enlist in it: what a ShardedDataSource's shards are made
 * of. Concord's own TM and pool, and (to show the shard package needs nothing Concord-specific)
 * Narayana with Agroal. Both use random node ids, so their Xids never collide with other tests'.
 */
enum XaStack {
  CONCORD {
    private TransactionManager tm;
    private TransactionSynchronizationRegistry registry;

    @Override
    synchronized TransactionManager transactionManager() {
      if (tm == null) {
        try {
          Path directory = Files.createTempDirectory("concord-shard-tm-");
          String nodeId = "shard-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
          // Behaviour tests: the log is not forced (durability is the log's own tests' subject).
          TransactionLog log =
              TransactionLog.open(
                  LogOptions.builder(directory).nodeId(nodeId).forceMode(ForceMode.NONE).build());
          ConcordTransactionManager concord =
              ConcordTransactionManager.builder(log).nodeId(nodeId).build();
          tm = concord;
          registry = concord.transactionSynchronizationRegistry();
        } catch (Exception e) {
          throw new IllegalStateException("cannot start Concord's transaction manager", e);
        }
      }
      return tm;
    }

    @Override
    DataSource pool(TestDatabase db) {
      TransactionManager manager = transactionManager();
      return ConcordDataSource.builder(db.xaDataSource())
          .resourceName(db.name())
          .transactionManager(manager)
          .synchronizationRegistry(registry)
          .maxSize(8)
          .build();
    }
  },

  NARAYANA_AGROAL {
    private TransactionManager tm;
    private TransactionSynchronizationRegistry registry;

    @Override
    synchronized TransactionManager transactionManager() {
      if (tm == null) {
        // Narayana is configured once per JVM; another test class may have done it already.
        if ("1".equals(arjPropertyManager.getCoreEnvironmentBean().getNodeIdentifier())) {
          try {
            Path store = Files.createTempDirectory("concord-shard-narayana-");
            for (String name : new String[] {null, "communicationStore", "stateStore"}) {
              (name == null
                      ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                      : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name))
                  .setObjectStoreDir(store.toString());
            }
            arjPropertyManager
                .getCoreEnvironmentBean()
                .setNodeIdentifier(
                    "shard" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
          } catch (Exception e) {
            throw new IllegalStateException("cannot configure Narayana", e);
          }
        }
        tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
        registry = new TransactionSynchronizationRegistryImple();
      }
      return tm;
    }

    @Override
    DataSource pool(TestDatabase db) throws Exception {
      TransactionManager manager = transactionManager();
      Class<?> xaClass =
          switch (db.kind()) {
            case H2_MEM, H2_FILE -> JdbcDataSource.class;
            case POSTGRES -> PGXADataSource.class;
            case MARIADB -> MariaDbDataSource.class;
          };
      return AgroalDataSource.from(
          new AgroalDataSourceConfigurationSupplier()
              .connectionPoolConfiguration(
                  pool ->
                      pool.maxSize(8)
                          .transactionIntegration(
                              new NarayanaTransactionIntegration(
                                  manager, registry, db.name(), false))
                          .connectionFactoryConfiguration(
                              factory ->
                                  factory
                                      .connectionProviderClass(xaClass)
                                      .jdbcUrl(db.jdbcUrl())
                                      .principal(new NamePrincipal(db.user()))
                                      .credential(new SimplePassword(db.password())))));
    }
  };

  abstract TransactionManager transactionManager();

  /** A pool over the database whose connections enlist in this stack's transactions. */
  abstract DataSource pool(TestDatabase db) throws Exception;
}
