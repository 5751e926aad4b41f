package io.concord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.concord.shard.ConnectionSettings;
import io.concord.shard.Shard;
import io.concord.shard.ShardedDataSource;
import io.concord.shard.SlotMove;
import io.concord.shard.Topology;
import io.concord.shard.TopologyChange;
import io.concord.shard.TopologyFile;
import io.concord.shard.TopologyTransition;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ShardCommandTest {
  private final List<TestDatabase> databases = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private String out;
  private String err;

  @AfterEach
  void dropDatabases() {
    databases.forEach(TestDatabase::close);
  }

  private int run(String... args) {
    CommandLine cli = ConcordCommand.newCommandLine();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cli.setOut(new PrintWriter(o));
    cli.setErr(new PrintWriter(e));
    int code = cli.execute(args);
    out = o.toString();
    err = e.toString();
    return code;
  }

  @Test
  void simulatePrintsOneJsonObjectPerAlgorithm() throws Exception {
    assertThat(run("shard", "simulate", "--shards", "10", "--keys", "200000", "--json")).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.strip().split("\\R")) {
      lines.add(json.readTree(line));
    }
    assertThat(lines)
        .extracting(n -> n.get("algorithm").asText())
        .containsExactly("concord", "ketama-ring-160", "jump", "modulo");
    for (JsonNode n : lines) {
      assertThat(n.get("shards").asInt()).isEqualTo(10);
      assertThat(n.get("keys").asLong()).isEqualTo(200_000);
      assertThat(n.get("optimalMovedFraction").asDouble()).isCloseTo(1.0 / 11, within(1e-6));
      assertThat(n.has("peakToMean")).isTrue();
      assertThat(n.has("movedFraction")).isTrue();
    }
    assertThat(lines.get(0).get("movedFraction").asDouble()).isLessThan(1.05 / 11);
    assertThat(lines.get(3).get("movedFraction").asDouble()).isGreaterThan(0.85);
    assertThat(run("shard", "simulate", "--shards", "3", "--weights", "1,2")).isEqualTo(2);
    assertThat(err).contains("--weights lists 2 weights");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  /** Three H2 shards with connection settings and 500 orders routed by customer. */
  private Topology shardsWithOrders(Path file, int misplaced) throws Exception {
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
      db.execute("create table orders (id bigint primary key, customer bigint not null)");
      databases.add(db);
      shards.add(
          new Shard("s" + i, 1, new ConnectionSettings(db.jdbcUrl(), db.user(), db.password())));
    }
    Topology topology = Topology.initial(1024, shards);
    TopologyFile.write(topology, file);
    ShardedDataSource.Builder builder =
        ShardedDataSource.builder(topology).shardedTable("orders", "customer");
    for (int i = 0; i < 3; i++) {
      builder.shard("s" + i, databases.get(i).dataSource());
    }
    try (ShardedDataSource sharded = builder.build()) {
      for (long id = 0; id < 500; id++) {
        sharded.insert("orders", Map.of("id", id, "customer", id * 7));
      }
    }
    for (int i = 0; i < misplaced; i++) {
      long customer = 100_000 + i;
      int wrong = (topology.shards().indexOf(topology.shardFor(customer)) + 1) % 3;
      databases
          .get(wrong)
          .execute("insert into orders values (" + (9000 + i) + ", " + customer + ")");
    }
    return topology;
  }

  @Test
  void planCountsTheRowsOfEveryMovingSlotOnTheShards(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("topology.json");
    Topology topology = shardsWithOrders(file, 2);
    Path next = dir.resolve("next.json");
    assertThat(
            run(
                "shard",
                "plan",
                "--topology",
                file.toString(),
                "--add",
                "s3:2",
                "--table",
                "orders:customer",
                "--json",
                "--out",
                next.toString()))
        .as(err)
        .isZero();
    JsonNode plan = json.readTree(out);
    TopologyTransition expected = topology.apply(new TopologyChange.AddShard(Shard.of("s3", 2)));
    assertThat(plan.get("movingSlots").asInt()).isEqualTo(expected.moves().size());
    Set<Integer> moving = new HashSet<>();
    for (SlotMove m : expected.moves()) {
      moving.add(m.slot());
    }
    long expectedRows = 0;
    for (long id = 0; id < 500; id++) {
      if (moving.contains(topology.slotFor(id * 7))) {
        expectedRows++;
      }
    }
    assertThat(expectedRows).isPositive();
    long sum = 0;
    for (JsonNode move : plan.get("moves")) {
      assertThat(move.get("to").asText()).isEqualTo("s3");
      assertThat(moving).contains(move.get("slot").asInt());
      sum += move.get("rows").get("orders").asLong();
    }
    assertThat(sum).isEqualTo(expectedRows);
    JsonNode orders = plan.get("tables").get("orders");
    assertThat(orders.get("movingRows").asLong()).isEqualTo(expectedRows);
    assertThat(orders.get("rowsReadOnSourceShards").asLong()).isEqualTo(502);
    assertThat(orders.get("misplacedRows").asLong()).isEqualTo(2);
    Topology written = TopologyFile.read(next);
    assertThat(written).isEqualTo(expected.to());
    assertThat(written.shard("s3").weight()).isEqualTo(2);

    assertThat(
            run(
                "shard",
                "plan",
                "--topology",
                file.toString(),
                "--remove",
                "s1",
                "--table",
                "orders:customer"))
        .as(err)
        .isZero();
    assertThat(out)
        .contains("Topology version 1 -> 2: remove shard s1")
        .contains("rows:orders")
        .containsPattern("s1 +s0 +\\d+ +\\d+ ")
        .contains("rows move (of");
  }

  @Test
  void planWithoutTablesListsSlotsAndBadInputIsExplained(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("t.json");
    TopologyFile.write(Topology.initial(64, List.of(Shard.of("a"), Shard.of("b"))), file);
    assertThat(run("shard", "plan", "--topology", file.toString(), "--add", "c")).isZero();
    assertThat(out).contains("21 of 64 slots move").contains("Rows not counted");
    assertThat(run("shard", "plan", "--topology", file.toString(), "--remove", "x")).isEqualTo(1);
    assertThat(err).contains("no shard named 'x'");
    assertThat(
            run(
                "shard",
                "plan",
                "--topology",
                file.toString(),
                "--add",
                "c",
                "--table",
                "orders:customer"))
        .isEqualTo(1);
    assertThat(err).contains("has no connection settings");
    assertThat(
            run(
                "shard",
                "plan",
                "--topology",
                dir.resolve("missing.json").toString(),
                "--add",
                "c"))
        .isEqualTo(1);
    assertThat(err).contains("cannot read topology file");
    assertThat(run("shard", "plan", "--topology", file.toString(), "--add", "c", "--remove", "a"))
        .isEqualTo(2);
    assertThat(run("shard", "plan", "--topology", file.toString(), "--add", "c:zero")).isEqualTo(2);
    assertThat(err).contains("must be a positive integer");
    assertThat(run("shard", "plan", "--topology", file.toString(), "--add", "c:0")).isEqualTo(1);
    assertThat(err).contains("weight 0");
  }

  @Test
  void planNamesTheTableWhenAShardKeyValueCannotBeRouted(@TempDir Path dir) {
    TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
    databases.add(db);
    db.execute("create table t (k double)", "insert into t values (1.5)");
    ConnectionSettings settings = new ConnectionSettings(db.jdbcUrl(), db.user(), db.password());
    Path file = dir.resolve("t.json");
    TopologyFile.write(
        Topology.initial(64, List.of(new Shard("a", 1, settings), new Shard("b", 1, settings))),
        file);
    assertThat(
            run("shard", "plan", "--topology", file.toString(), "--remove", "a", "--table", "t:k"))
        .isEqualTo(1);
    assertThat(err)
        .contains("counting rows on shard 'a'")
        .contains("table t, column k")
        .contains("java.lang.Double")
        .contains("declare the key type");
  }
}
