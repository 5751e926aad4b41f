package io.concord.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.concord.shard.ShardSimulation;
import io.concord.shard.Topology;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code concord shard simulate}: load balance and movement of Concord's router next to a Ketama
 * ring, jump hash and modulo, on the user's shard count, key count and weights.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Route K keys over N shards, add M, and compare Concord's router with a Ketama ring"
          + " (160 points), jump consistent hash and modulo."
    })
final class ShardSimulateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--shards",
      required = true,
      paramLabel = "N",
      description = "Shards before the change.")
  int shards;

  @Option(
      names = "--keys",
      defaultValue = "1000000",
      paramLabel = "K",
      description = "Keys routed (default ${DEFAULT-VALUE}).")
  long keys;

  @Option(
      names = "--add",
      defaultValue = "1",
      paramLabel = "M",
      description = "Shards added (default ${DEFAULT-VALUE}).")
  int add;

  @Option(
      names = "--weights",
      split = ",",
      paramLabel = "W,W,…",
      description = "Shard weights: N of them (added shards weigh 1) or N+M.")
  int[] weights;

  @Option(
      names = "--slots",
      defaultValue = "" + Topology.DEFAULT_SLOT_COUNT,
      paramLabel = "S",
      description = "Concord's slot count, a power of two (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--json", description = "One JSON object per algorithm, one per line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<ShardSimulation.Result> results;
    try {
      results =
          ShardSimulation.run(new ShardSimulation.Settings(shards, keys, add, weights, slots));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.printf(Locale.ROOT, "%d shards + %d, %d keys%n", shards, add, keys);
      out.printf(
          Locale.ROOT,
          "%-16s %11s %14s %14s %14s%n",
          "algorithm",
          "peak/mean",
          "moved",
          "optimal",
          "max share err");
    }
    for (ShardSimulation.Result r : results) {
      if (json) {
        ObjectNode node = JSON.createObjectNode();
        node.put("algorithm", r.algorithm());
        node.put("shards", r.shards());
        node.put("keys", r.keys());
        node.put("added", add);
        node.put("peakToMean", round(r.peakToMean()));
        node.put("movedFraction", round(r.movedFraction()));
        node.put("optimalMovedFraction", round(r.optimalMovedFraction()));
        node.put("maxShareError", round(r.maxShareError()));
        out.println(JSON.writeValueAsString(node));
      } else {
        out.printf(
            Locale.ROOT,
            "%-16s %11.4f %13.4f%% %13.4f%% %13.2f%%%n",
            r.algorithm(),
            r.peakToMean(),
            100 * r.movedFraction(),
            100 * r.optimalMovedFraction(),
            100 * r.maxShareError());
      }
    }
    out.flush();
    return 0;
  }

  private static double round(double value) {
    return Math.round(value * 1e6) / 1e6;
  }
}
