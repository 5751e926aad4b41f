package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import java.util.List;

class UnfinishedBranchH2Test extends UnfinishedBranchContract {
  @Override
  List<DatabaseKind> databases() {
    return List.of(DatabaseKind.H2_MEM, DatabaseKind.H2_FILE);
  }
}
