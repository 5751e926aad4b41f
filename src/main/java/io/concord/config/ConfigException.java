package io.concord.config;

/**
 * A configuration file that cannot be used: the message names the file, the line and the key, and
 * says what was expected.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String key;

  ConfigException(String file, int line, String key, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + problem);
    this.file = file;
    this.line = line;
    this.key = key;
  }

  /** The configuration file, as the user named it. */
  public String file() {
    return file;
  }

  /** The 1-based line of the offending key or value; 0 when the file as a whole is at fault. */
  public int line() {
    return line;
  }

  /** The dotted path of the offending key, e.g. {@code datasources[2].pool.max}. */
  public String key() {
    return key;
  }
}
