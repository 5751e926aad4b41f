package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ShardedTableTest {

  @Test
  void declaredKeyTypeTurnsDriverValuesIntoTheKeysTheApplicationRoutes() {
    UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    assertThat(new ShardedTable("t", "k", KeyType.UUID).keyOf(uuid.toString())).isEqualTo(uuid);
    assertThat(new ShardedTable("t", "k", KeyType.INTEGER).keyOf("42")).isEqualTo(42L);
    assertThat(new ShardedTable("t", "k", KeyType.STRING).keyOf(42)).isEqualTo("42");
    assertThat(ShardedTable.of("t", "k").keyOf(42)).isEqualTo(42);
  }

  @Test
  void namesMustBePlainIdentifiers() {
    assertThat(ShardedTable.of("app.orders", "customer_id").name()).isEqualTo("app.orders");
    assertThatThrownBy(() -> ShardedTable.of("orders", "id; drop table x"))
        .hasMessageContaining("not a plain SQL identifier");
    assertThatThrownBy(() -> new ShardedTable("t", "k", KeyType.COMPOSITE))
        .hasMessageContaining("cannot hold a composite key");
  }
}
