package io.concord.shard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads and writes topologies as JSON (or YAML with the same structure):
 *
 * <pre>{@code
 * {
 *   "format": "concord-shard-topology/1",
 *   "routing": "xxh3-64/top-bits/v1",
 *   "version": 2,
 *   "slotCount": 16384,
 *   "shards": [
 *     {"name": "eu1", "weight": 1, "slots": "0-8191",
 *      "connection": {"url": "jdbc:postgresql://db1/app", "user": "app", "password": "..."}},
 *     {"name": "eu2", "weight": 1, "slots": "8192-16383"}
 *   ]
 * }
 * }</pre>
 *
 * Each shard lists the slots it owns as ascending ranges, so a slot owned twice or by nobody is
 * visible and refused with the slot numbers. Unknown fields are refused too: a misspelt {@code
 * "wieght"} must not silently become weight 1.
 */
public final class TopologyFile {
  /** The value of the {@code format} field this release reads and writes. */
  public static final String FORMAT = "concord-shard-topology/1";

  /** How keys become slots; a file made by a release that routes differently is refused. */
  public static final String ROUTING = "xxh3-64/top-bits/v1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> TOP_FIELDS =
      Set.of("format", "routing", "version", "slotCount", "shards");
  private static final Set<String> SHARD_FIELDS = Set.of("name", "weight", "slots", "connection");
  private static final Set<String> CONNECTION_FIELDS = Set.of("url", "user", "password");

  private TopologyFile() {}

  /** Reads a {@code .json}, {@code .yaml} or {@code .yml} file. */
  public static Topology read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidTopologyException("cannot read topology file " + file + ": " + e, e);
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return parseYaml(text, file.toString());
    }
    return parseJson(text, file.toString());
  }

  /** Parses JSON text; {@code source} names it in errors. */
  public static Topology parseJson(String json, String source) {
    try {
      return fromTree(JSON.readTree(json), source);
    } catch (JsonProcessingException e) {
      throw new InvalidTopologyException(
          source + ": not valid JSON: " + e.getOriginalMessage() + " at " + e.getLocation(), e);
    }
  }

  /** Parses YAML text with the same structure as the JSON form. */
  public static Topology parseYaml(String yaml, String source) {
    Object tree;
    try {
      tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (RuntimeException e) {
      throw new InvalidTopologyException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    return fromMap(tree, source);
  }

  /**
   * Builds a topology from an already parsed tree (maps, lists, strings, numbers), such as a
   * section of a larger YAML configuration.
   */
  public static Topology fromMap(Object tree, String source) {
    return fromTree(JSON.valueToTree(tree), source);
  }

  /** Writes the topology, creating or replacing {@code file}. */
  public static void write(Topology topology, Path file) {
    try {
      Files.writeString(file, toJson(topology), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write topology file " + file, e);
    }
  }

  /** The topology as JSON text. */
  public static String toJson(Topology topology) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("routing", ROUTING);
    root.put("version", topology.version());
    root.put("slotCount", topology.slotCount());
    ArrayNode shards = root.putArray("shards");
    for (Shard shard : topology.shards()) {
      ObjectNode node = shards.addObject();
      node.put("name", shard.name());
      node.put("weight", shard.weight());
      node.put("slots", ranges(topology.slotsOf(shard.name())));
      if (shard.connection() != null) {
        ObjectNode connection = node.putObject("connection");
        connection.put("url", shard.connection().url());
        if (shard.connection().user() != null) {
          connection.put("user", shard.connection().user());
        }
        if (shard.connection().password() != null) {
          connection.put("password", shard.connection().password());
        }
      }
    }
    try {
      return JSON.writeValueAsString(root) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ascending slots as compact ranges, e.g. {@code "0-99,150,200-210"}. */
  static String ranges(int[] slots) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < slots.length) {
      int j = i;
      while (j + 1 < slots.length && slots[j + 1] == slots[j] + 1) {
        j++;
      }
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(slots[i]);
      if (j > i) {
        sb.append('-').append(slots[j]);
      }
      i = j + 1;
    }
    return sb.toString();
  }

  private static Topology fromTree(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw new InvalidTopologyException(source + ": a topology must be an object");
    }
    refuseUnknown(root, TOP_FIELDS, source, "");
    String format = text(root, "format", source, "", true);
    if (!FORMAT.equals(format)) {
      throw new InvalidTopologyException(
          source + ": format is '" + format + "'; this release reads '" + FORMAT + "'");
    }
    String routing = text(root, "routing", source, "", false);
    if (routing != null && !ROUTING.equals(routing)) {
      throw new InvalidTopologyException(
          source
              + ": routing is '"
              + routing
              + "' but this release routes with '"
              + ROUTING
              + "'; routing with it would move rows");
    }
    long version = integer(root, "version", source, "");
    long slotCountValue = integer(root, "slotCount", source, "");
    if (slotCountValue < Topology.MIN_SLOT_COUNT
        || slotCountValue > Topology.MAX_SLOT_COUNT
        || Long.bitCount(slotCountValue) != 1) {
      throw new InvalidTopologyException(
          source
              + ": slotCount must be a power of two between "
              + Topology.MIN_SLOT_COUNT
              + " and "
              + Topology.MAX_SLOT_COUNT
              + ", got "
              + slotCountValue);
    }
    int slotCount = (int) slotCountValue;
    JsonNode shardsNode = root.get("shards");
    if (shardsNode == null || !shardsNode.isArray() || shardsNode.isEmpty()) {
      throw new InvalidTopologyException(source + ": 'shards' must be a non-empty list");
    }
    List<Shard> shards = new ArrayList<>();
    int[] owners = new int[slotCount];
    Arrays.fill(owners, -1);
    for (int i = 0; i < shardsNode.size(); i++) {
      String where = "shards[" + i + "]";
      JsonNode node = shardsNode.get(i);
      if (!node.isObject()) {
        throw new InvalidTopologyException(source + ": " + where + " must be an object");
      }
      refuseUnknown(node, SHARD_FIELDS, source, where + ".");
      String name = text(node, "name", source, where + ".", true);
      long weight = node.has("weight") ? integer(node, "weight", source, where + ".") : 1;
      if (weight <= 0 || weight > Shard.MAX_WEIGHT) {
        throw new InvalidTopologyException(
            source
                + ": "
                + where
                + " ('"
                + name
                + "') has weight "
                + weight
                + "; weights are 1.."
                + Shard.MAX_WEIGHT);
      }
      ConnectionSettings connection = null;
      JsonNode connectionNode = node.get("connection");
      if (connectionNode != null && !connectionNode.isNull()) {
        if (!connectionNode.isObject()) {
          throw new InvalidTopologyException(
              source + ": " + where + ".connection must be an object");
        }
        refuseUnknown(connectionNode, CONNECTION_FIELDS, source, where + ".connection.");
        connection =
            wrap(
                source,
                where,
                () ->
                    new ConnectionSettings(
                        text(connectionNode, "url", source, where + ".connection.", true),
                        text(connectionNode, "user", source, where + ".connection.", false),
                        text(connectionNode, "password", source, where + ".connection.", false)));
      }
      ConnectionSettings settings = connection;
      shards.add(wrap(source, where, () -> new Shard(name, (int) weight, settings)));
      String slots = text(node, "slots", source, where + ".", true);
      assignSlots(slots, i, name, owners, shards, source, where);
    }
    List<String> unassigned = new ArrayList<>();
    int firstMissing = -1;
    for (int slot = 0; slot <= slotCount; slot++) {
      boolean missing = slot < slotCount && owners[slot] == -1;
      if (missing && firstMissing < 0) {
        firstMissing = slot;
      } else if (!missing && firstMissing >= 0) {
        unassigned.add(
            firstMissing == slot - 1 ? "" + firstMissing : firstMissing + "-" + (slot - 1));
        firstMissing = -1;
      }
    }
    if (!unassigned.isEmpty()) {
      throw new InvalidTopologyException(
          source
              + ": slots "
              + String.join(",", unassigned.subList(0, Math.min(10, unassigned.size())))
              + (unassigned.size() > 10 ? ",..." : "")
              + " are not assigned to any shard; every slot 0.."
              + (slotCount - 1)
              + " needs exactly one owner");
    }
    return wrap(source, "topology", () -> Topology.of(version, slotCount, shards, owners));
  }

  private static void assignSlots(
      String ranges,
      int shard,
      String name,
      int[] owners,
      List<Shard> shards,
      String source,
      String where) {
    if (ranges.isBlank()) {
      return; // a shard may own no slot (e.g. a tiny weight); nothing routes to it
    }
    for (String part : ranges.split(",")) {
      String range = part.trim();
      int dash = range.indexOf('-');
      int from;
      int to;
      try {
        from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash).trim());
        to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1).trim());
      } catch (NumberFormatException e) {
        throw new InvalidTopologyException(
            source
                + ": "
                + where
                + ".slots ('"
                + name
                + "'): '"
                + range
                + "' is not a slot or a range like 10-20");
      }
      if (from < 0 || to >= owners.length || from > to) {
        throw new InvalidTopologyException(
            source
                + ": "
                + where
                + ".slots ('"
                + name
                + "'): range "
                + range
                + " is outside 0.."
                + (owners.length - 1)
                + " or reversed");
      }
      for (int slot = from; slot <= to; slot++) {
        if (owners[slot] != -1) {
          String other = shards.get(owners[slot]).name();
          throw new InvalidTopologyException(
              source
                  + ": slot "
                  + slot
                  + " is assigned twice, to '"
                  + other
                  + "' and to '"
                  + name
                  + "'");
        }
        owners[slot] = shard;
      }
    }
  }

  private interface Build<T> {
    T get();
  }

  /** Prefixes validation errors of the value classes with the file and position. */
  private static <T> T wrap(String source, String where, Build<T> build) {
    try {
      return build.get();
    } catch (InvalidTopologyException e) {
      throw new InvalidTopologyException(source + ": " + where + ": " + e.getMessage(), e);
    }
  }

  private static void refuseUnknown(
      JsonNode node, Set<String> known, String source, String prefix) {
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String field = entry.getKey();
      if (!known.contains(field)) {
        throw new InvalidTopologyException(
            source + ": unknown field '" + prefix + field + "'; known fields: " + known);
      }
    }
  }

  private static String text(
      JsonNode node, String field, String source, String prefix, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new InvalidTopologyException(source + ": missing field '" + prefix + field + "'");
      }
      return null;
    }
    if (!value.isTextual() && !value.isNumber()) {
      throw new InvalidTopologyException(
          source + ": field '" + prefix + field + "' must be a string");
    }
    return value.asText();
  }

  private static long integer(JsonNode node, String field, String source, String prefix) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidTopologyException(source + ": missing field '" + prefix + field + "'");
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new InvalidTopologyException(
          source + ": field '" + prefix + field + "' must be an integer, got " + value);
    }
    return value.asLong();
  }
}
