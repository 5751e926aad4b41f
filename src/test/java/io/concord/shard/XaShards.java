package io.concord.shard;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * XA-enlisting shard DataSources for tests, until Concord's own TM and pool are merged: Narayana as
 * the transaction manager and Agroal XA pools that enlist themselves, exactly the contract a
 * ShardedDataSource relies on ("the shard DataSources enlist in the caller's JTA transaction").
 * Narayana's Xids carry a random node identifier and a unique uid, so they never collide with other
 * tests' Xids on the shared servers.
 */
final class XaShards {
  private static TransactionManager transactionManager;
  private static TransactionSynchronizationRegistry registry;

  private XaShards() {}

  static synchronized TransactionManager transactionManager() {
    if (transactionManager == null) {
      Path store =
          Path.of(System.getProperty("concord.test.projectDir", "."), "target", "narayana-shard");
      BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
          .setObjectStoreDir(store.toString());
      BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
          .setObjectStoreDir(store.toString());
      BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
          .setObjectStoreDir(store.toString());
      try {
        BeanPopulator.getDefaultInstance(CoreEnvironmentBean.class)
            .setNodeIdentifier("shard" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      transactionManager = com.arjuna.ats.jta.TransactionManager.transactionManager();
      registry = new TransactionSynchronizationRegistryImple();
    }
    return transactionManager;
  }

  /** A small XA pool over the database that enlists in Narayana's current transaction. */
  static AgroalDataSource pool(TestDatabase db) throws SQLException {
    TransactionManager tm = transactionManager();
    Class<?> xaClass =
        switch (db.kind()) {
          case H2_MEM, H2_FILE -> JdbcDataSource.class;
          case POSTGRES -> PGXADataSource.class;
          case MARIADB -> MariaDbDataSource.class;
        };
    AgroalDataSourceConfigurationSupplier configuration =
        new AgroalDataSourceConfigurationSupplier()
            .connectionPoolConfiguration(
                pool ->
                    pool.maxSize(8)
                        .transactionIntegration(
                            new NarayanaTransactionIntegration(tm, registry, db.name(), false))
                        .connectionFactoryConfiguration(
                            factory ->
                                factory
                                    .connectionProviderClass(xaClass)
                                    .jdbcUrl(db.jdbcUrl())
                                    .principal(new NamePrincipal(db.user()))
                                    .credential(new SimplePassword(db.password()))));
    return AgroalDataSource.from(configuration);
  }

  static boolean isServer(DatabaseKind kind) {
    return kind.isServer();
  }
}
