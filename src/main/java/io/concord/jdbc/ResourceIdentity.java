package io.concord.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/**
 * The stable resource name a transaction manager writes into its log for this DataSource, plus the
 * database product and version (learnt from the first connection) for its messages.
 */
final class ResourceIdentity {
  private final String name;
  private volatile String productName = "unknown";
  private volatile String productVersion = "unknown";
  private volatile boolean learnt;
  private volatile PhaseGate phaseGate = PhaseGate.OPEN;

  ResourceIdentity(String name) {
    this.name = name;
  }

  /** Serialises prepare against phase 2 where the database needs it (H2); see {@link PhaseGate}. */
  PhaseGate phaseGate() {
    return phaseGate;
  }

  ResourceIdentity gatedFor(Object xaDataSource) {
    this.phaseGate = PhaseGate.forDataSource(xaDataSource);
    return this;
  }

  String name() {
    return name;
  }

  String productName() {
    return productName;
  }

  String productVersion() {
    return productVersion;
  }

  void learnFrom(Connection connection) {
    if (learnt) {
      return;
    }
    try {
      DatabaseMetaData metaData = connection.getMetaData();
      productName = metaData.getDatabaseProductName();
      productVersion = metaData.getDatabaseProductVersion();
    } catch (SQLException | RuntimeException e) {
      ConnectionPool.LOG.debug("{}: could not read the database product: {}", name, e.toString());
    }
    learnt = true;
  }

  /** Rejects names a log or a message could not carry unambiguously. */
  static String validate(String kind, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          kind + ": resourceName is required (the stable name recovery finds this database by)");
    }
    if (name.length() > 200 || !name.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
      throw new IllegalArgumentException(
          kind
              + ": resourceName '"
              + name
              + "' must be at most 200 printable characters, without control characters");
    }
    return name;
  }
}
