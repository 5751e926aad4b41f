package io.concord.shard;

import io.concord.testing.DatabaseKind;
import java.util.List;

/** {@link ShardedTransactionsContract} on three in-memory H2 shards (fast). */
class ShardedTransactionsOnNarayanaAgroalH2Test extends ShardedTransactionsContract {
  @Override
  XaStack stack() {
    return XaStack.NARAYANA_AGROAL;
  }

  @Override
  List<DatabaseKind> kinds() {
    return List.of(DatabaseKind.H2_MEM, DatabaseKind.H2_MEM, DatabaseKind.H2_MEM);
  }
}
