package io.concord.testing;

/**
 * Where a test server is. Defaults match scripts/test-databases.sh; the system properties or
 * environment variables named below point the tests at other servers.
 */
record ServerSettings(
    DatabaseKind kind, String host, int port, String user, String password, String adminDatabase) {

  static ServerSettings of(DatabaseKind kind) {
    return switch (kind) {
      case POSTGRES ->
          new ServerSettings(
              kind,
              setting("concord.test.pg.host", "CONCORD_TEST_PG_HOST", "127.0.0.1"),
              Integer.parseInt(setting("concord.test.pg.port", "CONCORD_TEST_PG_PORT", "5432")),
              "concord",
              "concord",
              "concord");
      case MARIADB ->
          new ServerSettings(
              kind,
              setting("concord.test.mariadb.host", "CONCORD_TEST_MARIADB_HOST", "127.0.0.1"),
              Integer.parseInt(
                  setting("concord.test.mariadb.port", "CONCORD_TEST_MARIADB_PORT", "3306")),
              "concord",
              "concord",
              "concord");
      default -> throw new IllegalArgumentException(kind + " is not a server");
    };
  }

  String adminUrl() {
    return url(adminDatabase);
  }

  String url(String database) {
    return kind == DatabaseKind.POSTGRES
        ? "jdbc:postgresql://" + host + ":" + port + "/" + database
        : "jdbc:mariadb://" + host + ":" + port + "/" + database;
  }

  private static String setting(String property, String environment, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(environment);
    }
    return value == null || value.isBlank() ? fallback : value;
  }
}
