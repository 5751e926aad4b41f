package io.concord.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dynatrace.hash4j.hashing.Hashing;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ShardKeyHasherTest {

  @Property(tries = 300)
  void fastPathEqualsHashOfDocumentedCanonicalBytes(
      @ForAll long l, @ForAll String s, @ForAll byte[] b, @ForAll int i) {
    UUID uuid = new UUID(l, i * 31L);
    for (Object key : new Object[] {l, s, b, uuid, i, CompositeKey.of(l, s, b, uuid)}) {
      ShardKeyHasher.CanonicalKey canonical = ShardKeyHasher.canonical(key);
      assertThat(ShardKeyHasher.hash(key))
          .isEqualTo(Hashing.xxh3_64(canonical.type().seed()).hashBytesToLong(canonical.bytes()));
    }
  }

  @Test
  void integersOfEveryWidthRouteLikeTheSameLong() {
    long expected = ShardKeyHasher.hash(42L);
    for (Object same :
        new Object[] {
          42,
          (short) 42,
          (byte) 42,
          BigInteger.valueOf(42),
          new BigDecimal("42"),
          new BigDecimal("42.000")
        }) {
      assertThat(ShardKeyHasher.hash(same))
          .as("%s (%s)", same, same.getClass())
          .isEqualTo(expected);
    }
    assertThat(ShardKeyHasher.hash(-7)).isEqualTo(ShardKeyHasher.hash(-7L));
    assertThat(ShardKeyHasher.hash("42")).isNotEqualTo(expected);
  }

  @Test
  void typesAreSeparatedAndCompositePartsAreDelimited() {
    assertThat(ShardKeyHasher.hash(new byte[0])).isNotEqualTo(ShardKeyHasher.hash(""));
    assertThat(ShardKeyHasher.hash(CompositeKey.of("ab", "c")))
        .isNotEqualTo(ShardKeyHasher.hash(CompositeKey.of("a", "bc")));
    assertThat(ShardKeyHasher.hash(CompositeKey.of(1, "a")))
        .isNotEqualTo(ShardKeyHasher.hash(CompositeKey.of("a", 1)));
  }

  @Test
  void compositeKeyCopiesByteArrays() {
    byte[] bytes = {1, 2, 3};
    CompositeKey key = CompositeKey.of(bytes, 9L);
    long before = ShardKeyHasher.hash(key);
    bytes[0] = 99;
    assertThat(ShardKeyHasher.hash(key)).isEqualTo(before);
    assertThat(key).isEqualTo(CompositeKey.of(new byte[] {1, 2, 3}, 9L));
  }

  @Test
  void unsupportedKeysAreRefusedWithTheTypeAndTheSupportedList() {
    assertThatThrownBy(() -> ShardKeyHasher.hash(Instant.EPOCH))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("java.time.Instant")
        .hasMessageContaining("supported: long");
    assertThatThrownBy(() -> ShardKeyHasher.hash(null))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("must not be null");
    assertThatThrownBy(() -> ShardKeyHasher.hash(1.5d))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("java.lang.Double");
    assertThatThrownBy(() -> ShardKeyHasher.hash(new BigDecimal("1.5")))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("1.5 is not an integer");
    assertThatThrownBy(() -> ShardKeyHasher.hash(BigInteger.TWO.pow(64)))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("outside the long range");
    assertThatThrownBy(() -> CompositeKey.of(1, Instant.EPOCH))
        .isInstanceOf(UnsupportedShardKeyException.class)
        .hasMessageContaining("part 1");
    assertThatThrownBy(() -> CompositeKey.of(1, CompositeKey.of(2, 3)))
        .hasMessageContaining("itself composite");
    assertThatThrownBy(() -> CompositeKey.of(1)).hasMessageContaining("at least two parts");
  }
}
