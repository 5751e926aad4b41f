package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.Status;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What getConnection() does in each state of the thread's transaction. */
class TransactionStatusTest {

  @Test
  void connectionsFollowTheStateOfTheThreadsTransaction() throws Exception {
    ScriptedJta jta = new ScriptedJta();
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta)
                .synchronizationRegistry(jta)
                .build()) {
      db.execute("create table item (id int primary key, v varchar(50))");

      jta.begin();
      jta.tx().status = Status.STATUS_MARKED_ROLLBACK;
      assertThatThrownBy(pool::getConnection)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("already marked rollback-only");
      assertThat(pool.metrics().total()).as("nothing borrowed").isZero();

      jta.tx().status = Status.STATUS_ROLLEDBACK; // e.g. rolled back by its timeout
      assertThatThrownBy(pool::getConnection)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("rolled back");

      jta.tx().status = Status.STATUS_PREPARING;
      assertThatThrownBy(pool::getConnection).hasMessageContaining("PREPARING");

      jta.tx().status = Status.STATUS_COMMITTED; // afterCompletion callbacks: auto-commit work
      try (Connection connection = pool.getConnection()) {
        assertThat(connection.getAutoCommit()).isTrue();
        XaPoolContract.insert(connection, 1, "after commit");
      }
      assertThat(XaPoolContract.count(db)).isEqualTo(1);
      jta.rollback();

      jta.begin();
      try (Connection connection = pool.getConnection()) {
        XaPoolContract.insert(connection, 2, "enlisted");
        jta.tx().status = Status.STATUS_MARKED_ROLLBACK;
        try (Connection again = pool.getConnection()) {
          assertThat(again.isValid(1)).as("the enlisted connection is still shared").isTrue();
        }
      }
      jta.tx().complete(Status.STATUS_ROLLEDBACK);
      jta.rollback();
      assertThat(pool.metrics().idle()).isEqualTo(1);
      assertThat(XaPoolContract.count(db))
          .as("the pool rolled back the leftover branch")
          .isEqualTo(1);
    }
  }
}
