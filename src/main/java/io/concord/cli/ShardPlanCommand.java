package io.concord.cli;

import io.concord.shard.ConnectionSettings;
import io.concord.shard.InvalidTopologyException;
import io.concord.shard.KeyType;
import io.concord.shard.ReshardPlan;
import io.concord.shard.Shard;
import io.concord.shard.ShardConnections;
import io.concord.shard.ShardedTable;
import io.concord.shard.Topology;
import io.concord.shard.TopologyChange;
import io.concord.shard.TopologyFile;
import io.concord.shard.UnknownShardException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code concord shard plan}: which slots a topology change moves, from where to where, and how
 * many rows sit in each (counted on the shards when the topology has connection settings and tables
 * are named). The logic is {@link ReshardPlan}; this class only parses and prints.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "List the slots a topology change moves, from where to where, and the rows per moving slot.",
      "Rows are counted when --table is given and the source shards have connection settings."
    })
final class ShardPlanCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--topology",
      required = true,
      paramLabel = "FILE",
      description = "The current topology (.json, .yaml or .yml).")
  Path topologyFile;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Change change;

  static final class Change {
    @Option(
        names = "--add",
        paramLabel = "NAME[:WEIGHT]",
        description = "Add a shard (weight 1 by default).")
    String add;

    @Option(names = "--remove", paramLabel = "NAME", description = "Remove a shard.")
    String remove;
  }

  @Option(
      names = "--url",
      paramLabel = "JDBC_URL",
      description = "Connection URL of the added shard.")
  String url;

  @Option(names = "--user", description = "Database user of the added shard.")
  String user;

  @Option(names = "--password", description = "Database password of the added shard.")
  String password;

  @Option(
      names = "--table",
      paramLabel = "NAME:COLUMN[:TYPE]",
      description =
          "A sharded table and its shard-key column whose rows are counted per slot"
              + " (TYPE: integer, string, uuid or bytes, when the driver returns another type).")
  List<String> tables = new ArrayList<>();

  @Option(names = "--out", paramLabel = "FILE", description = "Write the resulting topology here.")
  Path out;

  @Option(names = "--json", description = "Print the plan as JSON (one entry per moving slot).")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      Topology topology = TopologyFile.read(topologyFile);
      TopologyChange topologyChange = parseChange();
      List<ShardedTable> sharded = parseTables();
      ReshardPlan plan =
          sharded.isEmpty()
              ? ReshardPlan.of(topology, topologyChange)
              : ReshardPlan.withRowCounts(
                  topology, topologyChange, sharded, ShardConnections.fromSettings());
      stdout.print(json ? plan.toJson() + System.lineSeparator() : plan.toText());
      if (out != null) {
        TopologyFile.write(plan.transition().to(), out);
        if (!json) {
          stdout.println(
              "Wrote topology version " + plan.transition().to().version() + " to " + out);
        }
      }
      stdout.flush();
      return 0;
    } catch (InvalidTopologyException | UnknownShardException e) {
      stderr.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    } catch (SQLException e) {
      stderr.println("error: " + e.getMessage());
      return 1;
    }
  }

  private TopologyChange parseChange() {
    if (change.remove != null) {
      if (url != null || user != null || password != null) {
        throw new IllegalArgumentException("--url/--user/--password describe an added shard");
      }
      return new TopologyChange.RemoveShard(change.remove);
    }
    String name = change.add;
    int weight = 1;
    int colon = name.lastIndexOf(':');
    if (colon >= 0) {
      try {
        weight = Integer.parseInt(name.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--add " + name + ": the weight after ':' must be a positive integer");
      }
      name = name.substring(0, colon);
    }
    ConnectionSettings connection =
        url == null ? null : new ConnectionSettings(url, user, password);
    if (url == null && (user != null || password != null)) {
      throw new IllegalArgumentException("--user/--password need --url");
    }
    return new TopologyChange.AddShard(new Shard(name, weight, connection));
  }

  private List<ShardedTable> parseTables() {
    List<ShardedTable> result = new ArrayList<>();
    for (String spec : tables) {
      String[] parts = spec.split(":");
      if (parts.length < 2 || parts.length > 3) {
        throw new IllegalArgumentException(
            "--table " + spec + ": expected NAME:COLUMN or NAME:COLUMN:TYPE");
      }
      KeyType type = null;
      if (parts.length == 3) {
        try {
          type = KeyType.valueOf(parts[2].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "--table " + spec + ": TYPE must be integer, string, uuid or bytes");
        }
      }
      result.add(new ShardedTable(parts[0], parts[1], type));
    }
    return result;
  }
}
