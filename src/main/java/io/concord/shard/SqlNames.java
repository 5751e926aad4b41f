package io.concord.shard;

import java.util.Locale;
import java.util.regex.Pattern;

/** Checks the table and column names Concord writes into SQL itself (never user values). */
final class SqlNames {
  private static final Pattern IDENTIFIER =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");

  private SqlNames() {}

  static String requireIdentifier(String name, String what) {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " '" + name + "' is not a plain SQL identifier (letters, digits, _, $, schema.)");
    }
    return name;
  }

  /** Unquoted SQL identifiers compare ignoring case. */
  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
