package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import java.util.List;

/** HikariCP on H2 as last resource, XA branches on H2 (memory and file). */
class LastResourceH2Test extends LastResourceContract {
  @Override
  DatabaseKind lastResourceKind() {
    return DatabaseKind.H2_MEM;
  }

  @Override
  List<DatabaseKind> xaKinds() {
    return List.of(DatabaseKind.H2_MEM, DatabaseKind.H2_FILE);
  }
}
