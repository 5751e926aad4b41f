package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** minSize, idle timeout, max lifetime and the Micrometer binder, on H2. */
class PoolHousekeepingTest {
  private final Jta jta = Jta.narayana();

  private ConcordDataSource.Builder builder(TestDatabase db) {
    return ConcordDataSource.builder(db.xaDataSource())
        .resourceName(db.name())
        .transactionManager(jta.transactionManager())
        .synchronizationRegistry(jta.registry())
        .housekeepingPeriod(Duration.ofHours(1));
  }

  @Test
  void housekeepingKeepsMinSizeAndRetiresIdleAndOldConnections() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            builder(db)
                .minSize(2)
                .maxSize(5)
                .idleTimeout(Duration.ofMillis(50))
                .maxLifetime(Duration.ofMillis(300))
                .build()) {
      pool.housekeepNow();
      assertThat(pool.metrics().total()).isEqualTo(2);
      // The pool's own housekeeping thread may still be opening one of the two.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (pool.metrics().idle() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(pool.metrics().idle()).isEqualTo(2);

      Connection[] held = new Connection[4];
      for (int i = 0; i < held.length; i++) {
        held[i] = pool.getConnection();
      }
      for (Connection connection : held) {
        connection.close();
      }
      assertThat(pool.metrics().total()).isEqualTo(4);
      Thread.sleep(100);
      pool.housekeepNow();
      assertThat(pool.metrics().total()).as("idle beyond minSize closed").isEqualTo(2);

      Thread.sleep(300);
      long createdBefore = pool.metrics().created();
      pool.housekeepNow();
      assertThat(pool.metrics().total()).isEqualTo(2);
      assertThat(pool.metrics().created())
          .as("connections past their lifetime replaced")
          .isEqualTo(createdBefore + 2);
    }
  }

  @Test
  void connectionInUsePastItsLifetimeIsRetiredWhenItComesBack() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool = builder(db).maxLifetime(Duration.ofMillis(100)).build()) {
      Connection connection = pool.getConnection();
      Thread.sleep(150);
      pool.housekeepNow();
      connection.close();
      assertThat(pool.metrics().total()).isZero();
      assertThat(pool.metrics().evicted()).isEqualTo(1);
    }
  }

  @Test
  void micrometerSeesThePoolsGaugesCountersAndAcquisitionTime() throws Exception {
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool = builder(db).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new PoolMeterBinder(pool).bindTo(registry);
      try (Connection connection = pool.getConnection()) {
        assertThat(
                registry
                    .get("concord.pool.connections.active")
                    .tag("pool", db.name())
                    .gauge()
                    .value())
            .isEqualTo(1.0);
      }
      assertThat(registry.get("concord.pool.connections.idle").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("concord.pool.connections.created").functionCounter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("concord.pool.connections.acquire").functionTimer().count())
          .isEqualTo(1.0);
      assertThat(
              registry
                  .get("concord.pool.connections.acquire")
                  .functionTimer()
                  .totalTime(TimeUnit.NANOSECONDS))
          .isPositive();
      assertThat(pool.metrics().meanAcquisitionTime()).isPositive();
    }
  }
}
