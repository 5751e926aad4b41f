package io.concord.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dynatrace.hash4j.hashing.Hashing;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Lock keys are stable across versions and processes: a change here orphans every held lock. */
class LockKeyTest {

  @Test
  void theHashIsXxh3AsSpecified() {
    // XXH3-64 of the empty input, from the reference implementation's test vectors.
    assertThat(Hashing.xxh3_64().hashBytesToLong(new byte[0])).isEqualTo(0x2D06800538D394C2L);
  }

  @Test
  void keysArePinned() {
    assertThat(LockKey.of("billing", "invoice-run").value()).isEqualTo(1076285200778605442L);
    assertThat(LockKey.of("", "a").value()).isEqualTo(-8562594148617847724L);
  }

  @Test
  void namespaceAndNameCannotBeConfusedByMovingTheSeparator() {
    assertThat(LockKey.of("a", "bc").value()).isNotEqualTo(LockKey.of("ab", "c").value());
    assertThat(LockKey.of("ns", "name").value()).isNotEqualTo(LockKey.of("", "name").value());
  }

  @Test
  void mariaDbNamesFitTheLimitAreLowerCaseAndDistinct() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String name = "Orders/Customer-" + i + "/" + "Z".repeat(i % 120);
      String mariaDb = LockKey.of("Billing", name).mariaDbName();
      assertThat(mariaDb).hasSizeLessThanOrEqualTo(64).isLowerCase();
      assertThat(names.add(mariaDb)).isTrue();
    }
    assertThat(LockKey.of("n", "ABC").mariaDbName())
        .isNotEqualTo(LockKey.of("n", "abc").mariaDbName());
    assertThat(LockKey.of("", "ünïcode\u0001").mariaDbName()).matches("c:[0-9a-f]{16}:[ -~]+");
  }

  @Test
  void badNamesAreRejected() {
    assertThatThrownBy(() -> LockKey.of("", "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LockKey.of("", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LockKey.checkNamespace("a\0b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
