package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import java.util.List;

/** {@link XaPoolContract} on PostgreSQL (pgjdbc) and MariaDB (Connector/J). */
@DatabaseTest
class XaPoolServerTest extends XaPoolContract {
  @Override
  List<DatabaseKind> databases() {
    return List.of(DatabaseKind.POSTGRES, DatabaseKind.MARIADB);
  }
}
