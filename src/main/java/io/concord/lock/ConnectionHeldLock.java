package io.concord.lock;

import java.sql.Connection;

/** A lock held by a database session: it lives exactly as long as that connection's session. */
final class ConnectionHeldLock extends HeldLock {
  final Connection connection;

  /** The session's id on the server (PostgreSQL backend pid, MariaDB connection id). */
  final long sessionId;

  ConnectionHeldLock(
      LockKey key, String database, long token, Connection connection, long sessionId) {
    super(key, database, token);
    this.connection = connection;
    this.sessionId = sessionId;
  }
}
