package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-shard atomicity of a ShardedDataSource whose shard DataSources enlist in JTA: transfers
 * between shards commit and roll back on both, broadcast writes reach every shard or none, and
 * scatter-gather returns exactly the union (and, inside a transaction, its own writes). Each
 * subclass picks the transaction stack and the databases.
 */
abstract class ShardedTransactionsContract {
  final List<TestDatabase> databases = new ArrayList<>();
  final List<AutoCloseable> pools = new ArrayList<>();
  Topology topology;
  ShardedDataSource sharded;
  TransactionManager tm;

  abstract XaStack stack();

  abstract List<DatabaseKind> kinds();

  @BeforeEach
  void shards() throws Exception {
    tm = stack().transactionManager();
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < kinds().size(); i++) {
      shards.add(Shard.of("shard" + i));
    }
    topology = Topology.initial(Topology.DEFAULT_SLOT_COUNT, shards);
    ShardedDataSource.Builder builder =
        ShardedDataSource.builder(topology)
            .shardedTable("accounts", "id")
            .broadcastTable("currencies")
            .transactionManager(tm);
    for (int i = 0; i < kinds().size(); i++) {
      TestDatabase db = TestDatabase.create(kinds().get(i));
      databases.add(db);
      db.execute(
          "create table accounts (id bigint primary key, balance int not null check (balance >= 0))",
          "create table currencies (code char(3) primary key, name varchar(40) not null)");
      DataSource pool = stack().pool(db);
      pools.add((AutoCloseable) pool);
      builder.shard(shards.get(i).name(), pool);
    }
    sharded = builder.build();
  }

  @AfterEach
  void close() throws Exception {
    if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
      tm.rollback();
    }
    sharded.close();
    for (AutoCloseable pool : pools) {
      pool.close();
    }
    databases.forEach(TestDatabase::close);
  }

  /** Two account ids that live on different shards. */
  long[] accountsOnTwoShards() {
    long first = 1;
    String shard = topology.shardFor(first).name();
    long second = 2;
    while (topology.shardFor(second).name().equals(shard)) {
      second++;
    }
    return new long[] {first, second};
  }

  void open(long id, int balance) throws SQLException {
    sharded.insert("accounts", Map.of("id", id, "balance", balance));
  }

  long balance(long id) {
    return databases
        .get(topology.shards().indexOf(topology.shardFor(id)))
        .queryLong("select balance from accounts where id = " + id);
  }

  void move(long from, long to, int amount) throws SQLException {
    try (Connection debit = sharded.connectionFor(from);
        Connection credit = sharded.connectionFor(to);
        PreparedStatement d =
            debit.prepareStatement("update accounts set balance = balance - ? where id = ?");
        PreparedStatement c =
            credit.prepareStatement("update accounts set balance = balance + ? where id = ?")) {
      c.setInt(1, amount);
      c.setLong(2, to);
      c.executeUpdate();
      d.setInt(1, amount);
      d.setLong(2, from);
      d.executeUpdate(); // fails on the check constraint when the balance would go negative
    }
  }

  @Test
  void crossShardTransferCommitsOnBothShards() throws Exception {
    long[] ids = accountsOnTwoShards();
    open(ids[0], 100);
    open(ids[1], 0);
    tm.begin();
    move(ids[0], ids[1], 30);
    tm.commit();
    assertThat(balance(ids[0])).isEqualTo(70);
    assertThat(balance(ids[1])).isEqualTo(30);
  }

  @Test
  void crossShardTransferRollsBackOnBothShards() throws Exception {
    long[] ids = accountsOnTwoShards();
    open(ids[0], 100);
    open(ids[1], 0);
    tm.begin();
    move(ids[0], ids[1], 30);
    tm.rollback();
    assertThat(balance(ids[0])).isEqualTo(100);
    assertThat(balance(ids[1])).isEqualTo(0);

    tm.begin();
    // The credit lands on one shard, then the debit fails on the other: nothing may stay.
    assertThatThrownBy(() -> move(ids[0], ids[1], 500)).isInstanceOf(SQLException.class);
    tm.rollback();
    assertThat(balance(ids[0])).isEqualTo(100);
    assertThat(balance(ids[1])).isEqualTo(0);
  }

  @Test
  void scatterGatherInsideATransactionSeesItsOwnWrites() throws Exception {
    long[] ids = accountsOnTwoShards();
    tm.begin();
    open(ids[0], 5);
    open(ids[1], 6);
    // queryAll takes each shard's connection on this thread, so it joins the transaction.
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    assertThat(
            sharded.queryAll(
                "select balance from accounts",
                rs -> {
                  threads.add(Thread.currentThread().getName());
                  return rs.getInt(1);
                }))
        .containsExactlyInAnyOrder(5, 6);
    assertThat(threads).containsOnly(Thread.currentThread().getName());
    tm.rollback();
    open(ids[0], 7);
    open(ids[1], 8);
    threads.clear();
    assertThat(
            sharded.queryAll(
                "select balance from accounts",
                rs -> {
                  threads.add(Thread.currentThread().getName());
                  return rs.getInt(1);
                }))
        .containsExactlyInAnyOrder(7, 8);
    // Outside a transaction the shards are read in parallel by the query threads.
    assertThat(threads).allMatch(name -> name.startsWith("concord-shard-query-"));
  }

  @Test
  void broadcastWritesReachEveryShardOrNone() throws Exception {
    assertThat(sharded.insert("currencies", Map.of("code", "EUR", "name", "Euro"))).isEqualTo(1);
    for (TestDatabase db : databases) {
      assertThat(db.queryLong("select count(*) from currencies where code = 'EUR'")).isEqualTo(1);
    }
    assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);

    tm.begin();
    sharded.insert("currencies", Map.of("code", "CHF", "name", "Franc"));
    tm.rollback();
    for (TestDatabase db : databases) {
      assertThat(db.queryLong("select count(*) from currencies")).isEqualTo(1);
    }

    // One shard already has USD: the broadcast fails there and no shard keeps it.
    databases.get(2).execute("insert into currencies values ('USD', 'Dollar')");
    assertThatThrownBy(() -> sharded.insert("currencies", Map.of("code", "USD", "name", "Dollar")))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("shard 'shard2'");
    assertThat(databases.get(0).queryLong("select count(*) from currencies where code = 'USD'"))
        .isZero();
    assertThat(databases.get(1).queryLong("select count(*) from currencies where code = 'USD'"))
        .isZero();

    // A diverged broadcast table is reported and the write rolled back everywhere.
    databases.get(1).execute("insert into currencies values ('GBP', 'Pound')");
    assertThatThrownBy(
            () -> sharded.update("currencies", null, "update currencies set name = upper(name)"))
        .hasMessageContaining("has diverged");
    assertThat(databases.get(0).queryLong("select count(*) from currencies where name = 'EURO'"))
        .isZero();
    assertThat(
            sharded.query(
                "currencies",
                null,
                "select name from currencies where code = ?",
                rs -> rs.getString(1),
                "EUR"))
        .containsExactly("Euro");
  }

  @Test
  void scatterGatherReturnsExactlyTheUnion() throws Exception {
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
