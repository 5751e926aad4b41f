package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The handle keeps the physical connection out of reach and cleans up after its user. */
class ConnectionHandleTest {
  private final Jta jta = Jta.narayana();

  @Test
  void statementsResultSetsAndMetadataLeadBackToTheHandleNeverThePhysicalConnection()
      throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta.transactionManager())
                .synchronizationRegistry(jta.registry())
                .build()) {
      Connection handle = pool.getConnection();
      Statement statement = handle.createStatement();
      assertThat(statement.getConnection()).isSameAs(handle);
      ResultSet rows = statement.executeQuery("select 1");
      assertThat(rows.getStatement()).isSameAs(statement);
      assertThat(rows.next()).isTrue();
      assertThat(handle.getMetaData().getConnection()).isSameAs(handle);
      ResultSet tables = handle.getMetaData().getTables(null, null, "%", null);
      assertThat(tables.getStatement()).isNull();
      tables.close();
      assertThat(handle.unwrap(Connection.class)).isSameAs(handle);
      assertThat(handle.isWrapperFor(org.h2.jdbc.JdbcConnection.class)).isTrue();
      assertThat(statement.unwrap(Statement.class)).isSameAs(statement);

      PreparedStatement prepared = handle.prepareStatement("select ?");
      handle.close();
      assertThat(statement.isClosed()).as("closing the handle closes its statements").isTrue();
      assertThat(prepared.isClosed()).isTrue();
      assertThat(handle.isClosed()).isTrue();
      assertThat(handle.isValid(1)).isFalse();
      handle.close(); // idempotent
      assertThat(pool.metrics().idle()).isEqualTo(1);

      try (Connection again = pool.getConnection()) {
        assertThatThrownBy(() -> again.setTypeMap(java.util.Map.of()))
            .isInstanceOf(SQLFeatureNotSupportedException.class);
        assertThatThrownBy(() -> again.setNetworkTimeout(Runnable::run, 1000))
            .isInstanceOf(SQLFeatureNotSupportedException.class);
      }
      assertThatThrownBy(() -> pool.getConnection("user", "password"))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
    }
  }

  @Test
  void sessionSettingsAChangeIsResetBeforeTheNextBorrower() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta.transactionManager())
                .synchronizationRegistry(jta.registry())
                .maxSize(1)
                .build()) {
      int isolation;
      try (Connection connection = pool.getConnection()) {
        isolation = connection.getTransactionIsolation();
        connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        connection.setReadOnly(true);
      }
      try (Connection connection = pool.getConnection()) {
        assertThat(connection.getTransactionIsolation()).isEqualTo(isolation);
        assertThat(connection.isReadOnly()).isFalse();
      }
    }
  }

  @Test
  void abortedConnectionIsNeverReused() throws SQLException {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta.transactionManager())
                .synchronizationRegistry(jta.registry())
                .build()) {
      Connection connection = pool.getConnection();
      connection.abort(Runnable::run);
      assertThat(connection.isClosed()).isTrue();
      assertThat(pool.metrics().total()).isZero();
      assertThat(pool.metrics().evicted()).isEqualTo(1);
    }
  }
}
