package io.concord.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One YAML mapping of a configuration file, read strictly: every value is typed on access, and
 * {@link #finish()} rejects keys nobody asked for, so a misspelt key fails with its file, line and
 * path instead of being ignored.
 */
final class ConfigSection {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

  private final String file;
  private final String path;
  private final int line;
  private final Map<String, Node> entries = new LinkedHashMap<>();
  private final Set<String> read = new LinkedHashSet<>();

  ConfigSection(String file, String path, MappingNode node) {
    this(file, path, lineOf(node), node.getValue());
  }

  private ConfigSection(String file, String path, int line, List<NodeTuple> tuples) {
    this.file = file;
    this.path = path;
    this.line = line;
    for (NodeTuple tuple : tuples) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalar)) {
        throw new ConfigException(file, lineOf(keyNode), path, "keys must be plain names");
      }
      String key = scalar.getValue();
      if (entries.put(key, tuple.getValueNode()) != null) {
        throw new ConfigException(file, lineOf(keyNode), child(key), "appears twice");
      }
    }
  }

  String file() {
    return file;
  }

  String path() {
    return path;
  }

  int line() {
    return line;
  }

  boolean has(String key) {
    read.add(key);
    return entries.containsKey(key);
  }

  String string(String key) {
    return scalar(key, true);
  }

  String string(String key, String fallback) {
    String value = scalar(key, false);
    return value == null ? fallback : value;
  }

  int integer(String key, int fallback, int min, int max) {
    String value = scalar(key, false);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed < min || parsed > max) {
        throw error(key, "must be between " + min + " and " + max + ", was " + parsed);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw error(key, "must be a whole number, was '" + value + "'");
    }
  }

  long longValue(String key, long fallback, long min) {
    String value = scalar(key, false);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed < min) {
        throw error(key, "must be at least " + min + ", was " + parsed);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw error(key, "must be a whole number, was '" + value + "'");
    }
  }

  boolean bool(String key, boolean fallback) {
    String value = scalar(key, false);
    if (value == null) {
      return fallback;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error(key, "must be true or false, was '" + value + "'");
    };
  }

  /** A duration such as {@code 250ms}, {@code 5s}, {@code 2m} or {@code 1h}. */
  Duration duration(String key, Duration fallback) {
    String value = scalar(key, false);
    if (value == null) {
      return fallback;
    }
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches()) {
      throw error(key, "must be a duration like 250ms, 5s, 2m or 1h, was '" + value + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** A size in bytes such as {@code 4096}, {@code 64KiB}, {@code 16MiB} or {@code 1GiB}. */
  long bytes(String key, long fallback) {
    String value = scalar(key, false);
    if (value == null) {
      return fallback;
    }
    Matcher m = SIZE.matcher(value.trim());
    if (!m.matches()) {
      throw error(key, "must be a size like 4096, 64KiB, 16MiB or 1GiB, was '" + value + "'");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KiB" -> amount << 10;
      case "MiB" -> amount << 20;
      case "GiB" -> amount << 30;
      default -> amount;
    };
  }

  <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
    String value = scalar(key, fallback == null);
    if (value == null) {
      return fallback;
    }
    String wanted = value.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(wanted)) {
        return constant;
      }
    }
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    throw error(key, "must be one of " + names + ", was '" + value + "'");
  }

  /** A nested mapping; an absent key gives an empty section so defaults apply. */
  ConfigSection section(String key) {
    read.add(key);
    Node node = entries.get(key);
    if (node == null) {
      return new ConfigSection(file, child(key), line, List.of());
    }
    if (!(node instanceof MappingNode mapping)) {
      throw error(key, "must be a mapping of keys to values");
    }
    return new ConfigSection(file, child(key), mapping);
  }

  /** A list of mappings; an absent key gives an empty list. */
  List<ConfigSection> sections(String key) {
    read.add(key);
    Node node = entries.get(key);
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequence)) {
      throw error(key, "must be a list");
    }
    List<ConfigSection> result = new ArrayList<>();
    int index = 0;
    for (Node element : sequence.getValue()) {
      if (!(element instanceof MappingNode mapping)) {
        throw new ConfigException(
            file, lineOf(element), child(key) + "[" + index + "]", "must be a mapping");
      }
      result.add(new ConfigSection(file, child(key) + "[" + index + "]", mapping));
      index++;
    }
    return result;
  }

  /** A list of plain values; an absent key gives an empty list. */
  List<String> strings(String key) {
    read.add(key);
    Node node = entries.get(key);
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequence)) {
      throw error(key, "must be a list");
    }
    List<String> result = new ArrayList<>();
    for (Node element : sequence.getValue()) {
      if (!(element instanceof ScalarNode scalar)) {
        throw new ConfigException(file, lineOf(element), child(key), "must hold plain values");
      }
      result.add(scalar.getValue());
    }
    return result;
  }

  /** Rejects every key that was not read: the file names something this version does not know. */
  void finish() {
    for (Map.Entry<String, Node> entry : entries.entrySet()) {
      if (!read.contains(entry.getKey())) {
        throw new ConfigException(
            file,
            lineOf(entry.getValue()),
            child(entry.getKey()),
            "unknown key (known here: " + String.join(", ", read) + ")");
      }
    }
  }

  ConfigException error(String key, String problem) {
    Node node = entries.get(key);
    return new ConfigException(file, node == null ? line : lineOf(node), child(key), problem);
  }

  private String scalar(String key, boolean required) {
    read.add(key);
    Node node = entries.get(key);
    if (node == null) {
      if (required) {
        throw new ConfigException(file, line, child(key), "is required");
      }
      return null;
    }
    if (!(node instanceof ScalarNode scalar)) {
      throw error(key, "must be a single value");
    }
    return expand(key, scalar.getValue());
  }

  /** Replaces {@code ${NAME}} and {@code ${NAME:-default}} with environment variables. */
  private String expand(String key, String value) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      int start = value.indexOf("${", i);
      if (start < 0) {
        out.append(value, i, value.length());
        break;
      }
      int end = value.indexOf('}', start);
      if (end < 0) {
        throw error(key, "unclosed ${ in '" + value + "'");
      }
      out.append(value, i, start);
      String expression = value.substring(start + 2, end);
      int dflt = expression.indexOf(":-");
      String name = dflt < 0 ? expression : expression.substring(0, dflt);
      String env = System.getenv(name);
      if (env == null) {
        if (dflt < 0) {
          throw error(key, "environment variable " + name + " is not set");
        }
        env = expression.substring(dflt + 2);
      }
      out.append(env);
      i = end + 1;
    }
    return out.toString();
  }

  private String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  static int lineOf(Node node) {
    return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }
}
