package io.concord.jdbc;

import io.concord.testing.DatabaseKind;
import java.util.List;

/** {@link XaPoolContract} on H2, in memory and on file. */
class XaPoolH2Test extends XaPoolContract {
  @Override
  List<DatabaseKind> databases() {
    return List.of(DatabaseKind.H2_MEM, DatabaseKind.H2_FILE);
  }
}
