package io.concord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code concord bench …}: measurements a user runs to size a machine and compare peers. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Concord on this machine (log, transaction manager).")
final class BenchCommand implements Runnable {

  /** Benchmark subcommands, one class per measured component. */
  static final Class<?>[] SUBCOMMANDS = {LogBenchCommand.class, TmBenchCommand.class};

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static CommandLine newCommandLine() {
    CommandLine commandLine = new CommandLine(new BenchCommand());
    for (Class<?> subcommand : SUBCOMMANDS) {
      commandLine.addSubcommand(subcommand);
    }
    return commandLine;
  }
}
