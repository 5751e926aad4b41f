package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Which database session a connection is, and how an administrator kills one, per database. */
final class Sessions {
  private Sessions() {}

  static long id(Connection connection, DatabaseKind kind) throws SQLException {
    String sql =
        switch (kind) {
          case H2_MEM, H2_FILE -> "select session_id()";
          case POSTGRES -> "select pg_backend_pid()";
          case MARIADB -> "select connection_id()";
        };
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Kills a session from another connection, as an operator or a failover would. */
  static void kill(TestDatabase db, long sessionId) {
    switch (db.kind()) {
      case H2_MEM, H2_FILE -> db.execute("select abort_session(" + sessionId + ")");
      case POSTGRES -> db.execute("select pg_terminate_backend(" + sessionId + ")");
      case MARIADB -> db.execute("kill " + sessionId);
    }
  }
}
