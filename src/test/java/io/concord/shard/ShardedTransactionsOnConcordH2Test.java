package io.concord.shard;

import io.concord.testing.DatabaseKind;
import java.util.List;

/** {@link ShardedTransactionsContract} on three in-memory H2 shards (fast). */
class ShardedTransactionsOnConcordH2Test extends ShardedTransactionsContract {
  @Override
  XaStack stack() {
    return XaStack.CONCORD;
  }

  @Override
  List<DatabaseKind> kinds() {
    return List.of(DatabaseKind.H2_MEM, DatabaseKind.H2_MEM, DatabaseKind.H2_MEM);
  }
}
