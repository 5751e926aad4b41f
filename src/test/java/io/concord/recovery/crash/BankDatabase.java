package io.concord.recovery.crash;

import io.concord.testing.DatabaseKind;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import javax.sql.XADataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * One database of the crash bank, as both the harness and the child JVM see it: a stable resource
 * name (the one written into COMMIT records), the kind, and how to connect. Statement lock waits
 * are bounded on every kind so that a branch left prepared by a crash makes transfers fail fast
 * instead of hanging until the next recovery.
 */
record BankDatabase(String name, DatabaseKind kind, String url, String user, String password) {

  /** Encoded for a child's command line. */
  String encode() {
    return String.join("|", name, kind.name(), url, user, password);
  }

  static BankDatabase decode(String text) {
    String[] p = text.split("\\|", -1);
    if (p.length != 5) {
      throw new IllegalArgumentException("bad database argument: " + text);
    }
    return new BankDatabase(p[0], DatabaseKind.valueOf(p[1]), p[2], p[3], p[4]);
  }

  boolean isH2() {
    return kind == DatabaseKind.H2_FILE || kind == DatabaseKind.H2_MEM;
  }

  /** The URL with bounded lock waits. */
  String urlWithLockTimeout() {
    return switch (kind) {
      case H2_FILE, H2_MEM -> url + ";LOCK_TIMEOUT=3000";
      case POSTGRES -> url + (url.contains("?") ? "&" : "?") + "options=-c%20lock_timeout=3000";
      case MARIADB ->
          url + (url.contains("?") ? "&" : "?") + "sessionVariables=innodb_lock_wait_timeout=3";
    };
  }

  XADataSource xaDataSource() {
    String withTimeout = urlWithLockTimeout();
    try {
      return switch (kind) {
        case H2_FILE, H2_MEM -> {
          JdbcDataSource ds = new JdbcDataSource();
          ds.setURL(withTimeout);
          ds.setUser(user);
          ds.setPassword(password);
          yield ds;
        }
        case POSTGRES -> {
          PGXADataSource ds = new PGXADataSource();
          ds.setUrl(withTimeout);
          ds.setUser(user);
          ds.setPassword(password);
          yield ds;
        }
        case MARIADB -> {
          MariaDbDataSource ds = new MariaDbDataSource(withTimeout);
          ds.setUser(user);
          ds.setPassword(password);
          yield ds;
        }
      };
    } catch (SQLException e) {
      throw new IllegalStateException(name + ": bad URL " + withTimeout + ": " + e, e);
    }
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(urlWithLockTimeout(), user, password);
  }

  /** H2 embedded keeps a file database open in this JVM until SHUTDOWN; a child needs it closed. */
  void shutdownIfH2() {
    if (!isH2()) {
      return;
    }
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      c.createStatement().execute("shutdown");
    } catch (SQLException e) {
      throw new IllegalStateException(name + ": H2 shutdown failed: " + e, e);
    }
  }
}
