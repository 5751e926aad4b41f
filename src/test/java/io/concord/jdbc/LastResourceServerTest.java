package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import java.util.List;

/** HikariCP on PostgreSQL as last resource, XA branches on MariaDB and H2. */
@DatabaseTest
class LastResourceServerTest extends LastResourceContract {
  @Override
  DatabaseKind lastResourceKind() {
    return DatabaseKind.POSTGRES;
  }

  @Override
  List<DatabaseKind> xaKinds() {
    return List.of(DatabaseKind.MARIADB, DatabaseKind.H2_FILE);
  }
}
