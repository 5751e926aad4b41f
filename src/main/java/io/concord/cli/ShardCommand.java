package io.concord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code concord shard …}: plan topology changes and size a sharded set. */
@Command(
    name = "shard",
    mixinStandardHelpOptions = true,
    description = "Plan shard topology changes and compare sharding algorithms.",
    subcommands = {ShardPlanCommand.class, ShardSimulateCommand.class})
final class ShardCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
