package io.concord.testing;

/** The four databases every XA-facing test runs against. */
public enum DatabaseKind {
  H2_MEM(false),
  H2_FILE(false),
  POSTGRES(true),
  MARIADB(true);

  private final boolean server;

  DatabaseKind(boolean server) {
    this.server = server;
  }

  /** True when the database is a server on loopback that scripts/test-databases.sh provides. */
  public boolean isServer() {
    return server;
  }
}
