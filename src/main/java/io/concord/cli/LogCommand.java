package io.concord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code concord log …}: look at a transaction log directory without changing it. */
@Command(
    name = "log",
    mixinStandardHelpOptions = true,
    description = "Inspect and verify a Concord transaction log directory (read-only).",
    subcommands = {LogInspectCommand.class, LogVerifyCommand.class})
final class LogCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
