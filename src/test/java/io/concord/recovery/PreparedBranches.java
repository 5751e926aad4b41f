package io.concord.recovery;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The prepared (in-doubt) branches of one Concord node left in a test database: {@code
 * pg_prepared_xacts} of the database, H2's {@code INFORMATION_SCHEMA.IN_DOUBT}, and MariaDB's
 * server-wide {@code XA RECOVER} filtered to Xids whose gtrid carries the node id (other tests'
 * branches on the same server are none of ours).
 */
public final class PreparedBranches {
  private PreparedBranches() {}

  public static List<String> of(TestDatabase db, String nodeId) {
    try (Connection c = db.connect()) {
      return of(c, db.kind(), nodeId);
    } catch (SQLException e) {
      throw new IllegalStateException(db + ": cannot list prepared branches: " + e, e);
    }
  }

  public static List<String> of(Connection c, DatabaseKind kind, String nodeId)
      throws SQLException {
    String nodeHex =
        HexFormat.of().formatHex(nodeId.getBytes(StandardCharsets.UTF_8)).toLowerCase(Locale.ROOT);
    List<String> result = new ArrayList<>();
    String sql =
        switch (kind) {
          case H2_MEM, H2_FILE -> "select transaction_name from information_schema.in_doubt";
          case POSTGRES -> "select gid from pg_prepared_xacts where database = current_database()";
          case MARIADB -> "xa recover format='SQL'";
        };
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        String name = kind == DatabaseKind.MARIADB ? rs.getString("data") : rs.getString(1);
        if (kind != DatabaseKind.MARIADB || name.toLowerCase(Locale.ROOT).contains(nodeHex)) {
          result.add(name);
        }
      }
    }
    return result;
  }
}
