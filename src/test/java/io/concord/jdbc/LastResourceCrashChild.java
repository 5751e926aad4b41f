package io.concord.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.tm.ConcordTransactionManager;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * The child JVM of {@link LastResourceCrashTest}: one Concord transaction with an XA branch on one
 * PostgreSQL database and a HikariCP last resource (with marker table) on another, and a process
 * death right after the last resource's local COMMIT returned — before the transaction manager
 * forces its commit record.
 *
 * <p>Arguments: log directory, node id, XA database URL, last-resource database URL, user,
 * password.
 */
public final class LastResourceCrashChild {
  static final int HALTED = 77;

  private LastResourceCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path logDirectory = Path.of(args[0]);
    String nodeId = args[1];
    String xaUrl = args[2];
    String lastResourceUrl = args[3];
    String user = args[4];
    String password = args[5];

    TransactionLog log =
        TransactionLog.open(LogOptions.builder(logDirectory).nodeId(nodeId).build());
    ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId(nodeId).build();

    PGXADataSource xa = new PGXADataSource();
    xa.setUrl(xaUrl);
    xa.setUser(user);
    xa.setPassword(password);
    ConcordDataSource orders =
        ConcordDataSource.builder(xa)
            .resourceName("orders")
            .transactionManager(tm)
            .synchronizationRegistry(tm.transactionSynchronizationRegistry())
            .build();

    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(lastResourceUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(2);
    HikariDataSource hikari = new HikariDataSource(config);
    LastResourceDataSource audit =
        LastResourceDataSource.builder(haltAfterLocalCommit(hikari))
            .resourceName("audit")
            .transactionManager(tm)
            .synchronizationRegistry(tm.transactionSynchronizationRegistry())
            .markerTable(LastResourceContract.MARKERS)
            .build();

    tm.begin();
    try (Connection x = orders.getConnection();
        Connection l = audit.getConnection()) {
      insert(x, "order 1");
      insert(l, "audit of order 1");
    }
    tm.commit(); // halts inside: after the local COMMIT, before the COMMIT record
    System.exit(1); // not reached when the crash happened where intended
  }

  private static void insert(Connection connection, String value) throws Exception {
    try (PreparedStatement statement =
        connection.prepareStatement("insert into item (id, v) values (1, ?)")) {
      statement.setString(1, value);
      statement.executeUpdate();
    }
  }

  /** Connections whose commit() with auto-commit off kills the JVM once the commit returned. */
  private static DataSource haltAfterLocalCommit(DataSource delegate) {
    return (DataSource)
        Proxy.newProxyInstance(
            LastResourceCrashChild.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(delegate, method, args);
              if (method.getName().equals("getConnection")) {
                Connection connection = (Connection) result;
                return Proxy.newProxyInstance(
                    LastResourceCrashChild.class.getClassLoader(),
                    new Class<?>[] {Connection.class},
                    (p, m, a) -> {
                      boolean localCommit =
                          m.getName().equals("commit") && !connection.getAutoCommit();
                      Object value = invoke(connection, m, a);
                      if (localCommit) {
                        Runtime.getRuntime().halt(HALTED);
                      }
                      return value;
                    });
              }
              return result;
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
