package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md promises SPI compatibility: code written for Narayana, like Agroal's agroal-narayana
 * integration, runs on Concord unchanged. Two Agroal XA pools over H2 files, one transaction.
 */
class AgroalOnConcordTest {

  private static AgroalDataSource pool(ConcordTransactionManager tm, TestDatabase db)
      throws Exception {
    AgroalDataSourceConfigurationSupplier supplier =
        new AgroalDataSourceConfigurationSupplier()
            .connectionPoolConfiguration(
                cp ->
                    cp.maxSize(4)
                        .transactionIntegration(
                            new NarayanaTransactionIntegration(
                                tm,
                                tm.transactionSynchronizationRegistry(),
                                "java:/agroal/" + db.name()))
                        .connectionFactoryConfiguration(
                            cf ->
                                cf.connectionProviderClass(JdbcDataSource.class)
                                    .jdbcUrl(db.jdbcUrl())
                                    .principal(new NamePrincipal(db.user()))
                                    .credential(new SimplePassword(db.password()))));
    return AgroalDataSource.from(supplier);
  }

  private static void insert(AgroalDataSource ds, int id) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate("insert into item values (" + id + ")");
    }
  }

  @Test
  void agroalNarayanaIntegrationCommitsAndRollsBackTwoDatabasesOnConcord() throws Exception {
    try (TestTm t = TestTm.open();
        TestDatabase a = TestDatabase.create(DatabaseKind.H2_FILE);
        TestDatabase b = TestDatabase.create(DatabaseKind.H2_FILE)) {
      a.execute("create table item (id int primary key)");
      b.execute("create table item (id int primary key)");
      try (AgroalDataSource dsA = pool(t.tm, a);
          AgroalDataSource dsB = pool(t.tm, b)) {
        t.tm.begin();
        insert(dsA, 1);
        insert(dsB, 1);
        insert(dsA, 2); // same pool, same transaction: the same enlisted connection
        t.tm.commit();
        assertThat(a.queryLong("select count(*) from item")).isEqualTo(2);
        assertThat(b.queryLong("select count(*) from item")).isEqualTo(1);
        assertThat(t.tm.statistics().committedTwoPhase()).isEqualTo(1);

        t.tm.begin();
        insert(dsA, 3);
        insert(dsB, 3);
        t.tm.rollback();
        assertThat(a.queryLong("select count(*) from item where id = 3")).isZero();
        assertThat(b.queryLong("select count(*) from item where id = 3")).isZero();
        assertThat(a.preparedTransactions()).isEmpty();
        assertThat(b.preparedTransactions()).isEmpty();
      }
    }
  }
}
