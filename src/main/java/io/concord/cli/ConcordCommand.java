package io.concord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code concord} command line. Subcommands register themselves in {@link #SUBCOMMANDS} so that
 * each capability owns its own command class.
 */
@Command(
    name = "concord",
    mixinStandardHelpOptions = true,
    versionProvider = ConcordCommand.Version.class,
    description = "Concord: a standalone Jakarta Transactions manager with two-phase commit.")
public final class ConcordCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Subcommand classes, one per capability; kept in one list so ordering in --help is stable. */
  static final Class<?>[] SUBCOMMANDS = {LogCommand.class};

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  static CommandLine newCommandLine() {
    CommandLine commandLine = new CommandLine(new ConcordCommand());
    for (Class<?> subcommand : SUBCOMMANDS) {
      commandLine.addSubcommand(subcommand);
    }
    if (BenchCommand.SUBCOMMANDS.length > 0) {
      commandLine.addSubcommand(BenchCommand.newCommandLine());
    }
    return commandLine;
  }

  /** Reads the version from the jar manifest, so it always matches the build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ConcordCommand.class.getPackage().getImplementationVersion();
      return new String[] {"concord " + (version == null ? "(development build)" : version)};
    }
  }
}
