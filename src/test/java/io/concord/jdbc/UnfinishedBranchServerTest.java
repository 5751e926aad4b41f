package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import java.util.List;

@DatabaseTest
class UnfinishedBranchServerTest extends UnfinishedBranchContract {
  @Override
  List<DatabaseKind> databases() {
    return List.of(DatabaseKind.POSTGRES, DatabaseKind.MARIADB);
  }
}
