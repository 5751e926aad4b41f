package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.DatabaseTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The transaction scenarios of {@link ShardedTransactionsTest} (cross-shard transfers commit and
 * roll back atomically, broadcast writes all-or-nothing, scatter-gather inside a transaction) on a
 * sharded set of H2 + PostgreSQL + MariaDB, plus scatter-gather over many rows.
 */
@DatabaseTest
class ShardedServersTest extends ShardedTransactionsTest {

  @Override
  List<DatabaseKind> kinds() {
    return List.of(DatabaseKind.H2_FILE, DatabaseKind.POSTGRES, DatabaseKind.MARIADB);
  }

  @Test
  void scatterGatherReturnsExactlyTheUnionAcrossDatabaseKinds() throws Exception {
    List<Long> ids = new ArrayList<>();
    for (long id = 1000; id < 1300; id++) {
      sharded.insert("accounts", Map.of("id", id, "balance", (int) (id % 50)));
      ids.add(id);
    }
    for (int i = 0; i < databases.size(); i++) {
      String shard = topology.shards().get(i).name();
      long expected = ids.stream().filter(id -> topology.shardFor(id).name().equals(shard)).count();
      assertThat(databases.get(i).queryLong("select count(*) from accounts")).isEqualTo(expected);
      assertThat(expected).isPositive();
    }
    assertThat(sharded.queryAll("select id from accounts", rs -> rs.getLong(1)))
        .containsExactlyInAnyOrderElementsOf(ids);
    List<Long> top =
        sharded.queryAllOrdered(
            "select id from accounts order by id desc",
            rs -> rs.getLong(1),
            java.util.Comparator.<Long>reverseOrder(),
            5);
    assertThat(top).containsExactly(1299L, 1298L, 1297L, 1296L, 1295L);
  }
}
