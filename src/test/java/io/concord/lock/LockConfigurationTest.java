package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad configuration and an unreachable database get errors that say what and where. */
class LockConfigurationTest {

  @Test
  void dialectComesFromTheUrlOrMustBeGiven() {
    assertThat(LockDialect.fromJdbcUrl("jdbc:postgresql://h/db")).isEqualTo(LockDialect.POSTGRESQL);
    assertThat(LockDialect.fromJdbcUrl("jdbc:mysql://h/db")).isEqualTo(LockDialect.MARIADB);
    assertThat(LockDialect.fromJdbcUrl("jdbc:h2:mem:x")).isEqualTo(LockDialect.H2);
    assertThatThrownBy(() -> LockDialect.fromJdbcUrl("jdbc:oracle:thin:@h:1521/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:oracle");
    assertThatThrownBy(
            () ->
                LockDatabase.builder("tx-only")
                    .transactionalDataSource(new org.h2.jdbcx.JdbcDataSource())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tx-only")
        .hasMessageContaining("dialect");
  }

  @Test
  void badSettingsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> LockDatabase.builder(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LockDatabase.builder("db").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbcUrl");
    assertThatThrownBy(() -> LockDatabase.builder("db").maxConnections(0))
        .hasMessageContaining("maxConnections");
    assertThatThrownBy(() -> LockDatabase.builder("db").keepAliveInterval(Duration.ZERO))
        .hasMessageContaining("keepAliveInterval");
    assertThatThrownBy(
            () ->
                LockDatabase.builder("db")
                    .pollInterval(Duration.ofMillis(10), Duration.ofMillis(1)))
        .hasMessageContaining("poll interval");
    assertThatThrownBy(() -> LockDatabase.builder("db").lockTable("locks; drop table x"))
        .hasMessageContaining("identifier");
    assertThatThrownBy(() -> new FenceGuard("a b")).hasMessageContaining("identifier");
    assertThatThrownBy(() -> LockService.builder().build())
        .hasMessageContaining("at least one LockDatabase");
    LockDatabase h2 = LockDatabase.builder("same").jdbcUrl("jdbc:h2:mem:cfg").build();
    assertThatThrownBy(() -> LockService.builder().database(h2).database(h2))
        .hasMessageContaining("same");
    assertThatThrownBy(() -> LockService.builder().database(h2).defaultDatabase("other").build())
        .hasMessageContaining("other");
    assertThatThrownBy(() -> LockService.builder().namespace("a\0b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void leaseKeepAliveIsCappedAtAThirdOfTheLease() {
    LockDatabase h2 =
        LockDatabase.builder("h2")
            .jdbcUrl("jdbc:h2:mem:cap")
            .lease(Duration.ofSeconds(3))
            .keepAliveInterval(Duration.ofSeconds(5))
            .build();
    assertThat(h2.keepAliveInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void anUnreachableDatabaseFailsTheAcquireNamingTheLockAndTheDatabase() {
    try (LockService locks =
        LockService.builder()
            .database(
                LockDatabase.builder("gone")
                    .jdbcUrl("jdbc:h2:tcp://127.0.0.1:1/nowhere")
                    .connectionTimeout(Duration.ofMillis(300))
                    .build())
            .build()) {
      assertThatThrownBy(() -> locks.acquire("report", Duration.ofSeconds(1)))
          .isInstanceOf(LockException.class)
          .hasMessageContaining("report")
          .hasMessageContaining("gone");
      assertThat(locks.isHeld("report")).isFalse();
    }
  }

  @Test
  void transactionScopedLocksNeedARegistry() {
    try (LockService locks =
        LockService.builder()
            .database(LockDatabase.builder("h2").jdbcUrl("jdbc:h2:mem:noreg").build())
            .build()) {
      assertThatThrownBy(() -> locks.acquireForTransaction("x", Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("TransactionSynchronizationRegistry");
      assertThatThrownBy(() -> locks.forShardKey(1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("LockPlacement");
    }
  }
}
