package io.concord.shard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a topology change means before anything moves: the slots that change owner, from where to
 * where, and (when the shards can be read) how many rows of each sharded table sit in each moving
 * slot. Behind {@code concord shard plan}; usable from code and configuration tools alike.
 *
 * <p>Rows are counted by streaming the shard-key column of every sharded table from each source
 * shard and hashing the values exactly as routing does, so no slot column or schema change is
 * needed. Rows found on a shard that does not own their slot are counted as misplaced.
 */
public final class ReshardPlan {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final TopologyTransition transition;
  private final List<ShardedTable> tables;

  /** table → slot → rows in that moving slot; empty when rows were not counted. */
  private final Map<String, Map<Integer, Long>> rows;

  /** table → rows read in total (moving or not). */
  private final Map<String, Long> totals;

  /** table → rows found on a shard that does not own their slot. */
  private final Map<String, Long> misplaced;

  private ReshardPlan(
      TopologyTransition transition,
      List<ShardedTable> tables,
      Map<String, Map<Integer, Long>> rows,
      Map<String, Long> totals,
      Map<String, Long> misplaced) {
    this.transition = transition;
    this.tables = List.copyOf(tables);
    this.rows = rows;
    this.totals = totals;
    this.misplaced = misplaced;
  }

  /** The plan without row counts. */
  public static ReshardPlan of(Topology from, TopologyChange change) {
    return new ReshardPlan(from.apply(change), List.of(), Map.of(), Map.of(), Map.of());
  }

  /**
   * The plan with rows per moving slot for each table, read from the shards that give slots away.
   */
  public static ReshardPlan withRowCounts(
      Topology from, TopologyChange change, List<ShardedTable> tables, ShardConnections connections)
      throws SQLException {
    TopologyTransition transition = from.apply(change);
    Map<Integer, SlotMove> moving = new HashMap<>();
    for (SlotMove move : transition.moves()) {
      moving.put(move.slot(), move);
    }
    Map<String, Map<Integer, Long>> rows = new LinkedHashMap<>();
    Map<String, Long> totals = new LinkedHashMap<>();
    Map<String, Long> misplaced = new LinkedHashMap<>();
    List<String> sources =
        transition.moves().stream().map(SlotMove::from).distinct().sorted().toList();
    for (ShardedTable table : tables) {
      rows.put(table.name(), new java.util.TreeMap<>());
      totals.put(table.name(), 0L);
      misplaced.put(table.name(), 0L);
    }
    for (String source : sources) {
      Shard shard = from.shard(source);
      try (Connection connection = connections.open(shard)) {
        for (ShardedTable table : tables) {
          count(connection, from, shard, table, moving, rows, totals, misplaced);
        }
      } catch (SQLException e) {
        throw new SQLException(
            "counting rows on shard '" + source + "': " + e.getMessage(), e.getSQLState(), e);
      }
    }
    return new ReshardPlan(transition, tables, rows, totals, misplaced);
  }

  private static void count(
      Connection connection,
      Topology from,
      Shard shard,
      ShardedTable table,
      Map<Integer, SlotMove> moving,
      Map<String, Map<Integer, Long>> rows,
      Map<String, Long> totals,
      Map<String, Long> misplaced)
      throws SQLException {
    String sql = "select " + table.shardKeyColumn() + " from " + table.name();
    Map<Integer, Long> perSlot = rows.get(table.name());
    long total = 0;
    long wrong = 0;
    try (Statement statement = connection.createStatement()) {
      statement.setFetchSize(1000);
      try (ResultSet rs = statement.executeQuery(sql)) {
        while (rs.next()) {
          Object value = rs.getObject(1);
          if (value == null) {
            throw new SQLException(
                "table "
                    + table.name()
                    + " has a row whose shard key "
                    + table.shardKeyColumn()
                    + " is null; such a row cannot be routed");
          }
          int slot;
          try {
            slot = from.slotFor(table.keyOf(value));
          } catch (IllegalArgumentException e) {
            throw new SQLException(
                "table "
                    + table.name()
                    + ", column "
                    + table.shardKeyColumn()
                    + ": "
                    + e.getMessage()
                    + "; declare the key type (NAME:COLUMN:TYPE) if the driver returns another type",
                e);
          }
          total++;
          if (!from.ownerOf(slot).name().equals(shard.name())) {
            wrong++;
          } else if (moving.containsKey(slot)) {
            perSlot.merge(slot, 1L, Long::sum);
          }
        }
      }
    }
    totals.merge(table.name(), total, Long::sum);
    misplaced.merge(table.name(), wrong, Long::sum);
  }

  public TopologyTransition transition() {
    return transition;
  }

  /** Whether rows were counted. */
  public boolean hasRowCounts() {
    return !tables.isEmpty();
  }

  /** Rows of {@code table} in a moving slot (0 when none or not counted). */
  public long rows(String table, int slot) {
    return rows.getOrDefault(table, Map.of()).getOrDefault(slot, 0L);
  }

  /** Rows of {@code table} that move in total. */
  public long movingRows(String table) {
    return rows.getOrDefault(table, Map.of()).values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rows of {@code table} read on the source shards (moving or not). */
  public long rowsRead(String table) {
    return totals.getOrDefault(table, 0L);
  }

  /** Rows of {@code table} found on a source shard that does not own their slot. */
  public long misplacedRows(String table) {
    return misplaced.getOrDefault(table, 0L);
  }

  /** A group of consecutive moves between the same two shards, for display. */
  public record MoveGroup(String from, String to, List<Integer> slots) {
    public String ranges() {
      return TopologyFile.ranges(slots.stream().mapToInt(Integer::intValue).toArray());
    }
  }

  /** The moves grouped by (from, to), in the order the pairs first appear. */
  public List<MoveGroup> groups() {
    Map<String, MoveGroup> groups = new LinkedHashMap<>();
    for (SlotMove move : transition.moves()) {
      groups
          .computeIfAbsent(
              move.from() + "\u0000" + move.to(),
              k -> new MoveGroup(move.from(), move.to(), new ArrayList<>()))
          .slots()
          .add(move.slot());
    }
    return List.copyOf(groups.values());
  }

  /** The plan as JSON: summary, groups, and one entry per moving slot (with rows if counted). */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    Topology from = transition.from();
    root.put("change", transition.change().toString());
    root.put("fromVersion", from.version());
    root.put("toVersion", transition.to().version());
    root.put("slotCount", from.slotCount());
    root.put("movingSlots", transition.moves().size());
    root.put("movingSlotFraction", transition.movedSlotFraction());
    root.put("rowsCounted", hasRowCounts());
    ArrayNode groups = root.putArray("groups");
    for (MoveGroup group : groups()) {
      ObjectNode g = groups.addObject();
      g.put("from", group.from());
      g.put("to", group.to());
      g.put("slots", group.ranges());
      g.put("slotCount", group.slots().size());
      if (hasRowCounts()) {
        ObjectNode r = g.putObject("rows");
        for (ShardedTable table : tables) {
          r.put(table.name(), group.slots().stream().mapToLong(s -> rows(table.name(), s)).sum());
        }
      }
    }
    if (hasRowCounts()) {
      ObjectNode summary = root.putObject("tables");
      for (ShardedTable table : tables) {
        ObjectNode t = summary.putObject(table.name());
        t.put("movingRows", movingRows(table.name()));
        t.put("rowsReadOnSourceShards", rowsRead(table.name()));
        t.put("misplacedRows", misplacedRows(table.name()));
      }
    }
    ArrayNode slots = root.putArray("moves");
    for (SlotMove move : transition.moves()) {
      ObjectNode m = slots.addObject();
      m.put("slot", move.slot());
      m.put("from", move.from());
      m.put("to", move.to());
      if (hasRowCounts()) {
        ObjectNode r = m.putObject("rows");
        for (ShardedTable table : tables) {
          r.put(table.name(), rows(table.name(), move.slot()));
        }
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The plan for people: one line per (from, to) pair with slot ranges and row counts. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    Topology from = transition.from();
    out.append(
        String.format(
            Locale.ROOT,
            "Topology version %d -> %d: %s%n%d of %d slots move (%.2f %%)%n",
            from.version(),
            transition.to().version(),
            transition.change(),
            transition.moves().size(),
            from.slotCount(),
            100 * transition.movedSlotFraction()));
    out.append(String.format(Locale.ROOT, "%-16s %-16s %7s", "FROM", "TO", "SLOTS"));
    for (ShardedTable table : tables) {
      out.append(String.format(Locale.ROOT, " %14s", "rows:" + table.name()));
    }
    out.append("  SLOT RANGES").append(System.lineSeparator());
    for (MoveGroup group : groups()) {
      out.append(
          String.format(
              Locale.ROOT, "%-16s %-16s %7d", group.from(), group.to(), group.slots().size()));
      for (ShardedTable table : tables) {
        long n = group.slots().stream().mapToLong(s -> rows(table.name(), s)).sum();
        out.append(String.format(Locale.ROOT, " %14d", n));
      }
      out.append("  ").append(group.ranges()).append(System.lineSeparator());
    }
    if (!hasRowCounts()) {
      out.append("Rows not counted: give the sharded tables (--table NAME:COLUMN) and connection")
          .append(" settings in the topology.")
          .append(System.lineSeparator());
    }
    for (ShardedTable table : tables) {
      out.append(
          String.format(
              Locale.ROOT,
              "%s: %d rows move (of %d rows on the source shards)%n",
              table.name(),
              movingRows(table.name()),
              rowsRead(table.name())));
      if (misplacedRows(table.name()) > 0) {
        out.append(
            String.format(
                Locale.ROOT,
                "WARNING %s: %d rows sit on a shard that does not own their slot%n",
                table.name(),
                misplacedRows(table.name())));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return Objects.toString(transition.change()) + " (" + transition.moves().size() + " slots)";
  }
}
