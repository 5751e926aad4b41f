package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import io.concord.testing.TestDatabase;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceRecoveryRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Agroal's Narayana integration, unchanged, on Concord's TransactionManager and
 * TransactionSynchronizationRegistry: the jboss SPI and the Jakarta interfaces are all it needs. A
 * 2PC across H2 and PostgreSQL commits and rolls back.
 */
@DatabaseTest
class AgroalOnConcordTest {
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final RecordingRegistry recoveryRegistry = new RecordingRegistry();

  @AfterEach
  void cleanUp() throws Exception {
    TransactionManager tm = Jta.concord().transactionManager();
    if (tm.getTransaction() != null) {
      tm.rollback();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private AgroalDataSource agroal(TestDatabase db, Class<?> xaDataSourceClass) throws SQLException {
    Jta jta = Jta.concord();
    AgroalDataSource dataSource =
        AgroalDataSource.from(
            new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(
                    pool ->
                        pool.maxSize(4)
                            .transactionIntegration(
                                new NarayanaTransactionIntegration(
                                    jta.transactionManager(),
                                    jta.registry(),
                                    db.name(),
                                    false,
                                    recoveryRegistry))
                            .connectionFactoryConfiguration(
                                factory ->
                                    factory
                                        .connectionProviderClass(xaDataSourceClass)
                                        .jdbcUrl(db.jdbcUrl())
                                        .principal(new NamePrincipal(db.user()))
                                        .credential(new SimplePassword(db.password()))
                                        .recoveryPrincipal(new NamePrincipal(db.user()))
                                        .recoveryCredential(new SimplePassword(db.password())))));
    toClose.add(dataSource);
    return dataSource;
  }

  private TestDatabase database(DatabaseKind kind) {
    TestDatabase db = TestDatabase.create(kind);
    toClose.add(db);
    db.execute("create table item (id int primary key, v varchar(50))");
    return db;
  }

  @Test
  void agroalNarayanaIntegrationRunsTwoPhaseCommitOnConcord() throws Exception {
    TestDatabase h2 = database(DatabaseKind.H2_FILE);
    TestDatabase postgres = database(DatabaseKind.POSTGRES);
    AgroalDataSource h2Pool = agroal(h2, org.h2.jdbcx.JdbcDataSource.class);
    AgroalDataSource pgPool = agroal(postgres, org.postgresql.xa.PGXADataSource.class);
    TransactionManager tm = Jta.concord().transactionManager();

    tm.begin();
    try (Connection a = h2Pool.getConnection();
        Connection b = pgPool.getConnection()) {
      XaPoolContract.insert(a, 1, "h2");
      XaPoolContract.insert(b, 1, "postgres");
    }
    tm.commit();
    assertThat(XaPoolContract.count(h2)).isEqualTo(1);
    assertThat(XaPoolContract.count(postgres)).isEqualTo(1);

    tm.begin();
    try (Connection a = h2Pool.getConnection();
        Connection b = pgPool.getConnection()) {
      XaPoolContract.insert(a, 2, "h2");
      XaPoolContract.insert(b, 2, "postgres");
    }
    tm.rollback();
    assertThat(XaPoolContract.count(h2)).isEqualTo(1);
    assertThat(XaPoolContract.count(postgres)).isEqualTo(1);
    assertThat(postgres.preparedTransactions()).isEmpty();
    assertThat(recoveryRegistry.registered)
        .as("Agroal registered its recovery through the jboss SPI registry")
        .hasSize(2);
  }

  static final class RecordingRegistry implements XAResourceRecoveryRegistry {
    final List<XAResourceRecovery> registered = new ArrayList<>();

    @Override
    public synchronized void addXAResourceRecovery(XAResourceRecovery recovery) {
      registered.add(recovery);
    }

    @Override
    public synchronized void removeXAResourceRecovery(XAResourceRecovery recovery) {
      registered.remove(recovery);
    }
  }
}
