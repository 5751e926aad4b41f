package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.JDBCType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Routing, scatter-gather and refusals over three in-memory H2 shards. */
class ShardedDataSourceTest {
  private static final String SCHEMA =
      "create table orders (id bigint primary key, customer varchar(40) not null,"
          + " amount int not null)";

  private final List<TestDatabase> databases = new ArrayList<>();
  private Topology topology;
  private ShardedDataSource sharded;

  @BeforeEach
  void shards() {
    topology =
        Topology.initial(
            Topology.DEFAULT_SLOT_COUNT,
            List.of(Shard.of("s1"), Shard.of("s2"), Shard.of("s3", 2)));
    ShardedDataSource.Builder builder =
        ShardedDataSource.builder(topology)
            .shardedTable("orders", "customer")
            .broadcastTable("countries");
    for (Shard shard : topology.shards()) {
      TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
      db.execute(SCHEMA, "create table countries (code char(2) primary key, name varchar(40))");
      databases.add(db);
      builder.shard(shard.name(), db.dataSource());
    }
    sharded = builder.build();
  }

  @AfterEach
  void close() {
    sharded.close();
    databases.forEach(TestDatabase::close);
  }

  private TestDatabase database(String shard) {
    return databases.get(topology.shards().indexOf(topology.shard(shard)));
  }

  private record Order(long id, String customer, int amount) {}

  private static Order order(ResultSet rs) throws SQLException {
    return new Order(rs.getLong("id"), rs.getString("customer"), rs.getInt("amount"));
  }

  private List<Order> insertOrders(int count) throws SQLException {
    List<Order> orders = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Order o = new Order(i, "customer-" + (i % 97), (i * 7919) % 1000);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", o.id());
      row.put("customer", o.customer());
      row.put("amount", o.amount());
      assertThat(sharded.insert("orders", row)).isEqualTo(1);
      orders.add(o);
    }
    return orders;
  }

  @Test
  void rowsLiveExactlyOnTheShardOfTheirKey() throws SQLException {
    List<Order> orders = insertOrders(300);
    Map<String, Long> expected =
        orders.stream()
            .collect(
                Collectors.groupingBy(
                    o -> topology.shardFor(o.customer()).name(), Collectors.counting()));
    for (Shard shard : topology.shards()) {
      assertThat(database(shard.name()).queryLong("select count(*) from orders"))
          .as("rows on %s", shard.name())
          .isEqualTo(expected.getOrDefault(shard.name(), 0L));
    }
    assertThat(expected).hasSize(3); // every shard got rows: the test means something
    Order some = orders.get(123);
    assertThat(
            sharded.query(
                "ORDERS",
                some.customer(),
                "select * from orders where id = ?",
                ShardedDataSourceTest::order,
                some.id()))
        .containsExactly(some);
    try (Connection c = sharded.connectionFor(some.customer());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select count(*) from orders where id = 123")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    assertThat(
            sharded.update(
                "orders",
                some.customer(),
                "update orders set amount = ? where id = ?",
                5,
                some.id()))
        .isEqualTo(1);
  }

  @Test
  void queryAllReturnsExactlyTheUnion() throws SQLException {
    List<Order> orders = insertOrders(200);
    List<Order> all = sharded.queryAll("select * from orders", ShardedDataSourceTest::order);
    assertThat(all).containsExactlyInAnyOrderElementsOf(orders);
    List<Order> big =
        sharded.queryAll(
            "select * from orders where amount >= ?", ShardedDataSourceTest::order, 900);
    assertThat(big)
        .containsExactlyInAnyOrderElementsOf(
            orders.stream().filter(o -> o.amount() >= 900).toList());
  }

  @Test
  void orderedQueryAllMergesTheShardsTopRows() throws SQLException {
    List<Order> orders = insertOrders(250);
    Comparator<Order> byAmountDesc =
        Comparator.comparingInt(Order::amount).reversed().thenComparingLong(Order::id);
    List<Order> top =
        sharded.queryAllOrdered(
            "select * from orders order by amount desc, id limit 10",
            ShardedDataSourceTest::order,
            byAmountDesc,
            10);
    assertThat(top)
        .containsExactlyElementsOf(orders.stream().sorted(byAmountDesc).limit(10).toList());
    // Without LIMIT in the SQL the row cap still applies per shard.
    List<Order> capped =
        sharded.queryAllOrdered(
            "select * from orders order by amount desc, id",
            ShardedDataSourceTest::order,
            byAmountDesc,
            3);
    assertThat(capped)
        .containsExactlyElementsOf(orders.stream().sorted(byAmountDesc).limit(3).toList());
    assertThatThrownBy(
            () ->
                sharded.queryAllOrdered(
                    "select * from orders order by amount asc",
                    ShardedDataSourceTest::order,
                    byAmountDesc,
                    10))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("not in the requested order")
        .hasMessageContaining("ORDER BY that matches the comparator");
  }

  @Test
  void jdbcShardingKeyRoutesLikeConnectionFor() throws SQLException {
    insertOrders(50);
    String customer = "customer-7";
    try (Connection c =
            sharded
                .createConnectionBuilder()
                .shardingKey(
                    sharded.createShardingKeyBuilder().subkey(customer, JDBCType.VARCHAR).build())
                .build();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("select count(*) from orders where customer = 'customer-7'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    Object composite =
        ((JdbcShardingKeys.RoutingKey)
                sharded
                    .createShardingKeyBuilder()
                    .subkey(7L, JDBCType.BIGINT)
                    .subkey("eu", JDBCType.VARCHAR)
                    .build())
            .key();
    assertThat(composite).isEqualTo(CompositeKey.of(7L, "eu"));
  }

  @Test
  void whatCannotBeRoutedIsRefused() throws SQLException {
    assertThatThrownBy(() -> sharded.getConnection())
        .isInstanceOf(ShardKeyRequiredException.class)
        .hasMessageContaining("connectionFor(key)");
    assertThatThrownBy(() -> sharded.createConnectionBuilder().build())
        .isInstanceOf(ShardKeyRequiredException.class);
    assertThatThrownBy(
            () ->
                sharded
                    .createConnectionBuilder()
                    .user("x")
                    .shardingKey(
                        sharded.createShardingKeyBuilder().subkey(1, JDBCType.INTEGER).build())
                    .build())
        .isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThatThrownBy(
            () ->
                sharded.query("orders", null, "select * from orders", ShardedDataSourceTest::order))
        .isInstanceOf(ShardKeyRequiredException.class)
        .hasMessageContaining("sharded by customer")
        .hasMessageContaining("queryAll");
    assertThatThrownBy(() -> sharded.update("orders", null, "delete from orders"))
        .isInstanceOf(ShardKeyRequiredException.class);
    assertThatThrownBy(() -> sharded.insert("orders", Map.of("id", 1, "amount", 2)))
        .isInstanceOf(ShardKeyRequiredException.class)
        .hasMessageContaining("no value for its shard-key column customer");
    assertThatThrownBy(() -> sharded.query("invoices", 1, "select 1", rs -> 1))
        .hasMessageContaining("'invoices' is neither a sharded nor a broadcast table");
    assertThatThrownBy(() -> sharded.connectionFor(java.time.Instant.EPOCH))
        .isInstanceOf(UnsupportedShardKeyException.class);
    assertThatThrownBy(() -> sharded.connectionForShard("s9"))
        .isInstanceOf(UnknownShardException.class)
        .hasMessageContaining("[s1, s2, s3]");
    assertThatThrownBy(() -> sharded.update("countries", null, "delete from countries"))
        .hasMessageContaining("atomic only in one JTA transaction");
    assertThatThrownBy(
            () ->
                ShardedDataSource.builder(topology)
                    .shard("s1", databases.get(0).dataSource())
                    .build())
        .hasMessageContaining("no DataSource for shard(s) [s2, s3]");
    assertThatThrownBy(
            () -> ShardedDataSource.builder(topology).shard("zz", databases.get(0).dataSource()))
        .isInstanceOf(UnknownShardException.class);
    assertThatThrownBy(
            () -> ShardedDataSource.builder(topology).shardedTable("t", "k").broadcastTable("T"))
        .hasMessageContaining("declared twice");
    assertThatThrownBy(() -> ShardedDataSource.builder(topology).shardedTable("t; drop", "k"))
        .hasMessageContaining("not a plain SQL identifier");
  }

  @Test
  void aFailingShardIsNamedAndTheOthersConnectionsAreReturned() {
    database("s2").execute("drop table orders");
    assertThatThrownBy(() -> sharded.queryAll("select * from orders", ShardedDataSourceTest::order))
        .isInstanceOf(SQLException.class)
        .hasMessageStartingWith("shard 's2': ");
  }

  @Test
  void nodesWithAnotherTopologyOrMiswiredShardsAreStopped() throws SQLException {
    assertThatThrownBy(() -> sharded.verifyTopology())
        .isInstanceOf(TopologyMismatchException.class)
        .hasMessageContaining("publishTopology()");
    sharded.publishTopology();
    sharded.verifyTopology();

    // Another node, one topology change ahead, publishes; this node is now stale.
    Topology next = topology.apply(new TopologyChange.AddShard(Shard.of("s4"))).to();
    TestDatabase fourth = TestDatabase.create(DatabaseKind.H2_MEM);
    databases.add(fourth);
    ShardedDataSource.Builder newer =
        ShardedDataSource.builder(next).shard("s4", fourth.dataSource());
    for (Shard shard : topology.shards()) {
      newer.shard(shard.name(), database(shard.name()).dataSource());
    }
    try (ShardedDataSource newNode = newer.build()) {
      newNode.publishTopology();
      newNode.verifyTopology();
    }
    assertThatThrownBy(() -> sharded.verifyTopology())
        .isInstanceOf(TopologyMismatchException.class)
        .hasMessageContaining("this node routes with version 1 but shard 's1' records version 2");
    assertThatThrownBy(() -> sharded.publishTopology())
        .isInstanceOf(TopologyMismatchException.class)
        .hasMessageContaining("refusing to overwrite it with older version 1");

    // A node that swapped two DataSources.
    ShardedDataSource.Builder swapped =
        ShardedDataSource.builder(next)
            .shard("s1", database("s2").dataSource())
            .shard("s2", database("s1").dataSource())
            .shard("s3", database("s3").dataSource())
            .shard("s4", fourth.dataSource());
    try (ShardedDataSource miswired = swapped.build()) {
      assertThatThrownBy(miswired::verifyTopology)
          .isInstanceOf(TopologyMismatchException.class)
          .hasMessageContaining("given for shard 's1' reaches the database of shard 's2'");
    }
  }
}
