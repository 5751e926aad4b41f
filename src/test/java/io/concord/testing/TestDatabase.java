package io.concord.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * A fresh, empty database of one {@link DatabaseKind}, dropped again by {@link #close()}.
 *
 * <p>Server databases are named {@code concord_t_<epoch seconds>_<n>} so that
 * scripts/test-databases.sh can drop the ones a killed run left behind. A test that needs a server
 * that is down fails in CI and is skipped (loudly) elsewhere; see {@link ServerAvailability}.
 */
public final class TestDatabase implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final DatabaseKind kind;
  private final String name;
  private final String url;
  private final String user;
  private final String password;
  private final Path directory;

  private TestDatabase(
      DatabaseKind kind, String name, String url, String user, String password, Path directory) {
    this.kind = kind;
    this.name = name;
    this.url = url;
    this.user = user;
    this.password = password;
    this.directory = directory;
  }

  /** Creates a fresh database; fails (CI) or aborts the test (locally) when its server is down. */
  public static TestDatabase create(DatabaseKind kind) {
    ServerAvailability.require(kind);
    String name =
        "concord_t_"
            + (System.currentTimeMillis() / 1000)
            + "_"
            + ProcessHandle.current().pid()
            + "x"
            + COUNTER.incrementAndGet()
            + "r"
            + ThreadLocalRandom.current().nextInt(1000);
    try {
      switch (kind) {
        case H2_MEM:
          return new TestDatabase(
              kind, name, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "", null);
        case H2_FILE:
          Path dir = Files.createTempDirectory("concord-h2-");
          return new TestDatabase(
              kind,
              name,
              "jdbc:h2:file:" + dir.resolve(name) + ";DB_CLOSE_DELAY=-1",
              "sa",
              "",
              dir);
        case POSTGRES:
        case MARIADB:
          ServerSettings server = ServerSettings.of(kind);
          try (Connection admin =
                  DriverManager.getConnection(server.adminUrl(), server.user(), server.password());
              Statement statement = admin.createStatement()) {
            statement.execute("create database " + name);
          }
          return new TestDatabase(
              kind, name, server.url(name), server.user(), server.password(), null);
        default:
          throw new IllegalArgumentException(String.valueOf(kind));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name + " on " + kind, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public DatabaseKind kind() {
    return kind;
  }

  /** The database's name, unique per test run; also a good resource name for it. */
  public String name() {
    return name;
  }

  public String jdbcUrl() {
    return url;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** A new, unpooled XADataSource of the database's own driver. */
  public XADataSource xaDataSource() {
    return switch (kind) {
      case H2_MEM, H2_FILE -> h2();
      case POSTGRES -> {
        ServerSettings server = ServerSettings.of(kind);
        PGXADataSource ds = new PGXADataSource();
        ds.setServerNames(new String[] {server.host()});
        ds.setPortNumbers(new int[] {server.port()});
        ds.setDatabaseName(name);
        ds.setUser(user);
        ds.setPassword(password);
        yield ds;
      }
      case MARIADB -> mariadb();
    };
  }

  /** A new, unpooled plain DataSource of the database's own driver. */
  public DataSource dataSource() {
    return switch (kind) {
      case H2_MEM, H2_FILE -> h2();
      case POSTGRES -> {
        ServerSettings server = ServerSettings.of(kind);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {server.host()});
        ds.setPortNumbers(new int[] {server.port()});
        ds.setDatabaseName(name);
        ds.setUser(user);
        ds.setPassword(password);
        yield ds;
      }
      case MARIADB -> mariadb();
    };
  }

  /** A new auto-commit connection. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }

  /** Runs statements, each in auto-commit. */
  public void execute(String... sql) {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      for (String s : sql) {
        statement.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(kind + " " + name + ": " + e.getMessage(), e);
    }
  }

  /** The first column of the first row of a query, as a long. */
  public long queryLong(String sql) {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row: " + sql);
      }
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(kind + " " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * The transactions prepared (in doubt) in this database, as the database names them. MariaDB's XA
   * RECOVER is server-wide, so on MariaDB this lists every prepared XA branch of the server.
   */
  public List<String> preparedTransactions() {
    String sql =
        switch (kind) {
          case H2_MEM, H2_FILE -> "select transaction_name from information_schema.in_doubt";
          case POSTGRES -> "select gid from pg_prepared_xacts where database = current_database()";
          case MARIADB -> "xa recover";
        };
    List<String> result = new ArrayList<>();
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        result.add(kind == DatabaseKind.MARIADB ? rs.getString("data") : rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(kind + " " + name + ": " + e.getMessage(), e);
    }
    return result;
  }

  private JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    ds.setUser(user);
    ds.setPassword(password);
    return ds;
  }

  private MariaDbDataSource mariadb() {
    try {
      MariaDbDataSource ds = new MariaDbDataSource(url);
      ds.setUser(user);
      ds.setPassword(password);
      return ds;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops the database; a failure is reported on stderr, never hides the test's own outcome. */
  @Override
  public void close() {
    try {
      switch (kind) {
        case H2_MEM, H2_FILE -> {
          try (Connection c = connect();
              Statement s = c.createStatement()) {
            s.execute("shutdown");
          }
          if (directory != null) {
            deleteRecursively(directory);
          }
        }
        case POSTGRES -> {
          try (Connection c = connect();
              Statement s = c.createStatement()) {
            for (String gid : preparedTransactions()) {
              s.execute("rollback prepared '" + gid.replace("'", "''") + "'");
            }
          }
          dropOnServer("drop database if exists " + name + " with (force)");
        }
        case MARIADB ->
            dropOnServer("set session lock_wait_timeout = 5; drop database if exists " + name);
      }
    } catch (SQLException | RuntimeException e) {
      System.err.println("could not drop test database " + name + " on " + kind + ": " + e);
    }
  }

  private void dropOnServer(String sql) throws SQLException {
    ServerSettings server = ServerSettings.of(kind);
    try (Connection admin =
            DriverManager.getConnection(server.adminUrl(), server.user(), server.password());
        Statement statement = admin.createStatement()) {
      for (String part : sql.split(";")) {
        statement.execute(part.trim());
      }
    }
  }

  /** Deletes a directory and everything below it (scratch directories of tests and benchmarks). */
  public static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return kind + ":" + name;
  }
}
