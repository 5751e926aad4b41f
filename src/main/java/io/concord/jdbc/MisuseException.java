package io.concord.jdbc;

import java.sql.SQLException;

/**
 * A call the handle refused before it reached the database (closed handle, wrong or completed
 * transaction, transaction control on an enlisted connection). It says nothing about the
 * transaction's work, so it never marks the transaction rollback-only.
 */
final class MisuseException extends SQLException {
  private static final long serialVersionUID = 1L;

  MisuseException(String message, String sqlState) {
    super(message, sqlState);
  }
}
