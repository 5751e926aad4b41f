package io.concord.jdbc;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One JTA transaction on Narayana that borrows a connection (enlisting its XAResource), runs one
 * statement and commits (one-phase, a single branch): Concord's pool against Agroal with its
 * Narayana integration, on the same in-memory H2 database. Target: Concord faster.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnlistCommitBenchmark {

  @Param({"concord", "agroal"})
  public String pool;

  private TestDatabase database;
  private DataSource dataSource;
  private AutoCloseable closer;
  private TransactionManager tm;

  @Setup(Level.Trial)
  public void open() throws SQLException {
    Jta jta = Jta.narayana();
    tm = jta.transactionManager();
    database = TestDatabase.create(DatabaseKind.H2_MEM);
    if (pool.equals("concord")) {
      ConcordDataSource concord =
          ConcordDataSource.builder(database.xaDataSource())
              .resourceName("bench")
              .transactionManager(tm)
              .synchronizationRegistry(jta.registry())
              .minSize(10)
              .maxSize(10)
              .build();
      dataSource = concord;
      closer = concord;
    } else {
      AgroalDataSource agroal =
          AgroalDataSource.from(
              new AgroalDataSourceConfigurationSupplier()
                  .connectionPoolConfiguration(
                      pool ->
                          pool.minSize(10)
                              .maxSize(10)
                              .transactionIntegration(
                                  new NarayanaTransactionIntegration(tm, jta.registry()))
                              .connectionFactoryConfiguration(
                                  factory ->
                                      factory
                                          .connectionProviderClass(
                                              org.h2.jdbcx.JdbcDataSource.class)
                                          .jdbcUrl(database.jdbcUrl())
                                          .principal(new NamePrincipal(database.user()))
                                          .credential(new SimplePassword(database.password())))));
      dataSource = agroal;
      closer = agroal;
    }
    database.execute("create table bench (id int)");
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    closer.close();
    database.close();
  }

  @Benchmark
  public void borrowEnlistCommit() throws Exception {
    tm.begin();
    try {
      try (Connection connection = dataSource.getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("select count(*) from bench");
      }
      tm.commit();
    } catch (Exception e) {
      if (tm.getTransaction() != null) {
        tm.rollback();
      }
      throw e;
    }
  }
}
