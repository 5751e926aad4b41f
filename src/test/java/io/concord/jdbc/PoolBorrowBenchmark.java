package io.concord.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Borrow and return one connection outside any transaction: Concord's pool against HikariCP on the
 * same in-memory H2 database, both with 10 connections. Target: Concord within 1.5x HikariCP's time
 * per operation. Run as documented in docs/jdbc.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PoolBorrowBenchmark {

  @Param({"concord", "hikari"})
  public String pool;

  private TestDatabase database;
  private DataSource dataSource;
  private AutoCloseable closer;

  @Setup(Level.Trial)
  public void open() throws SQLException {
    database = TestDatabase.create(DatabaseKind.H2_MEM);
    if (pool.equals("concord")) {
      Jta jta = Jta.narayana();
      ConcordDataSource concord =
          ConcordDataSource.builder(database.xaDataSource())
              .resourceName("bench")
              .transactionManager(jta.transactionManager())
              .synchronizationRegistry(jta.registry())
              .minSize(10)
              .maxSize(10)
              .build();
      dataSource = concord;
      closer = concord;
    } else {
      HikariConfig config = new HikariConfig();
      config.setDataSource(database.dataSource());
      config.setMinimumIdle(10);
      config.setMaximumPoolSize(10);
      HikariDataSource hikari = new HikariDataSource(config);
      dataSource = hikari;
      closer = hikari;
    }
    try (Connection warm = dataSource.getConnection()) {
      warm.isValid(1);
    }
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    closer.close();
    database.close();
  }

  @Benchmark
  public void borrowAndReturn(Blackhole blackhole) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      blackhole.consume(connection);
    }
  }
}
