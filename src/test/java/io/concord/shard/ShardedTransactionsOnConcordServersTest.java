package io.concord.shard;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import java.util.List;

/** {@link ShardedTransactionsContract} on one sharded set of H2 + PostgreSQL + MariaDB. */
@DatabaseTest
class ShardedTransactionsOnConcordServersTest extends ShardedTransactionsContract {
  @Override
  XaStack stack() {
    return XaStack.CONCORD;
  }

  @Override
  List<DatabaseKind> kinds() {
    return List.of(DatabaseKind.H2_FILE, DatabaseKind.POSTGRES, DatabaseKind.MARIADB);
  }
}
