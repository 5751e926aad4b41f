package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jboss.tm.XAResourceRecovery;
import org.jboss.tm.XAResourceRecoveryRegistry;
import org.junit.jupiter.api.Test;

/** Bad configuration fails at build() with a message naming the DataSource and the knob. */
class BuilderValidationTest {
  private final Jta jta = Jta.narayana();

  private ConcordDataSource.Builder valid() {
    return valid(new org.h2.jdbcx.JdbcDataSource());
  }

  private ConcordDataSource.Builder valid(javax.sql.XADataSource source) {
    return ConcordDataSource.builder(source)
        .resourceName("orders")
        .transactionManager(jta.transactionManager())
        .synchronizationRegistry(jta.registry());
  }

  private void rejects(UnaryOperator<ConcordDataSource.Builder> change, String... fragments) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
  }

  @Test
  void everyKnobIsChecked() {
    rejects(b -> b.resourceName(null), "resourceName is required");
    rejects(b -> b.resourceName(" "), "resourceName is required");
    rejects(b -> b.resourceName("bad\nname"), "control characters");
    rejects(b -> b.transactionManager(null), "'orders'", "transactionManager is required");
    rejects(b -> b.synchronizationRegistry(null), "'orders'", "synchronizationRegistry");
    rejects(b -> b.maxSize(0), "'orders'", "maxSize must be at least 1, was 0");
    rejects(b -> b.minSize(11), "minSize must be between 0 and maxSize (10), was 11");
    rejects(b -> b.minSize(-1), "minSize");
    rejects(b -> b.acquisitionTimeout(Duration.ZERO), "acquisitionTimeout must be positive");
    rejects(b -> b.idleTimeout(Duration.ofSeconds(-1)), "idleTimeout must be zero or positive");
    rejects(b -> b.maxLifetime(null), "maxLifetime");
    rejects(b -> b.validateIdleAfter(Duration.ofMillis(-1)), "validateIdleAfter");
    rejects(b -> b.validationTimeout(Duration.ZERO), "validationTimeout");
    rejects(b -> b.validationQuery(" "), "validationQuery must not be blank");
    rejects(b -> b.leakDetectionThreshold(Duration.ofMillis(-5)), "leakDetectionThreshold");
    rejects(b -> b.housekeepingPeriod(Duration.ZERO), "housekeepingPeriod");
    assertThatThrownBy(() -> ConcordDataSource.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("xaDataSource");
  }

  @Test
  void lastResourceKnobsAreChecked() {
    LastResourceDataSource.Builder base =
        LastResourceDataSource.builder(new org.h2.jdbcx.JdbcDataSource())
            .resourceName("audit")
            .transactionManager(jta.transactionManager())
            .synchronizationRegistry(jta.registry());
    assertThatThrownBy(() -> base.createMarkerTable(true).build())
        .hasMessageContaining("'audit'")
        .hasMessageContaining("needs markerTable");
    base.createMarkerTable(false);
    assertThatThrownBy(() -> base.markerTable("x; drop table y").build())
        .hasMessageContaining("must be a plain SQL identifier");
    base.markerTable(null);
    assertThatThrownBy(() -> base.recoveryRegistry(new RecordingRegistry()).build())
        .hasMessageContaining("only used with a marker table");
  }

  @Test
  void missingMarkerTableIsReportedWithItsDdl() {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM)) {
      assertThatThrownBy(
              () ->
                  LastResourceDataSource.builder(db.dataSource())
                      .resourceName("audit")
                      .transactionManager(jta.transactionManager())
                      .synchronizationRegistry(jta.registry())
                      .markerTable("lr_marks")
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("marker table lr_marks is not usable")
          .hasMessageContaining("create table if not exists lr_marks");
    }
  }

  @Test
  void unreachableDatabaseGivesAClearErrorAndKeepsThePoolUsable() throws Exception {
    org.h2.jdbcx.JdbcDataSource nowhere = new org.h2.jdbcx.JdbcDataSource();
    nowhere.setURL("jdbc:h2:tcp://127.0.0.1:1/nowhere");
    try (ConcordDataSource pool = valid(nowhere).build()) {
      assertThatThrownBy(pool::getConnection)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("pool 'orders' could not open a connection");
      assertThat(pool.metrics().total()).isZero();
    }
  }

  @Test
  void recoveryRegistrationFollowsTheDataSourcesLife() throws Exception {
    RecordingRegistry registry = new RecordingRegistry();
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM)) {
      ConcordDataSource pool =
          ConcordDataSource.builder(db.xaDataSource())
              .resourceName("orders")
              .transactionManager(jta.transactionManager())
              .synchronizationRegistry(jta.registry())
              .recoveryRegistry(registry)
              .build();
      assertThat(registry.registered).containsExactly(pool.xaResourceRecovery());
      RecoveryXAResource scan = (RecoveryXAResource) registry.registered.get(0).getXAResources()[0];
      assertThat(scan.isConnected()).as("opened lazily").isFalse();
      scan.recover(javax.transaction.xa.XAResource.TMSTARTRSCAN);
      assertThat(scan.isConnected()).isTrue();
      pool.close();
      assertThat(registry.registered).isEmpty();
      assertThat(scan.isConnected()).as("closing the DataSource closes scan connections").isFalse();
      assertThatThrownBy(pool::getConnection).hasMessageContaining("closed");
    }
  }

  @Test
  void closingThePoolClosesConnectionsInUseWhenTheyComeBack() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM)) {
      ConcordDataSource pool = valid(db.xaDataSource()).build();
      Connection held = pool.getConnection();
      try (Connection idle = pool.getConnection()) {
        assertThat(idle.isValid(1)).isTrue();
      }
      pool.close();
      assertThat(pool.metrics().total()).isEqualTo(1);
      held.close();
      assertThat(pool.metrics().total()).isZero();
    }
  }

  static final class RecordingRegistry implements XAResourceRecoveryRegistry {
    final List<XAResourceRecovery> registered = new ArrayList<>();

    @Override
    public void addXAResourceRecovery(XAResourceRecovery recovery) {
      registered.add(recovery);
    }

    @Override
    public void removeXAResourceRecovery(XAResourceRecovery recovery) {
      registered.remove(recovery);
    }
  }
}
