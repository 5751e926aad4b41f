package io.concord.lock;

import com.dynatrace.hash4j.hashing.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A lock's identity in the database: a stable 64-bit key computed on the client (never PostgreSQL's
 * {@code hashtext}, whose results changed between server versions).
 *
 * <p>key = XXH3-64 (seed 0) of UTF-8(namespace) ‖ 0x00 ‖ UTF-8(name). PostgreSQL uses it as the
 * single {@code bigint} advisory key (never the two-{@code int} form); MariaDB uses {@link
 * #mariaDbName()}; every dialect uses it as the primary key of the lock table.
 */
record LockKey(String namespace, String name, long value) {

  /** MariaDB (and MySQL 5.7+) reject lock names over 64 characters. */
  static final int MARIADB_NAME_LIMIT = 64;

  static LockKey of(String namespace, String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a lock name must not be null or empty");
    }
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer bytes = ByteBuffer.allocate(ns.length + 1 + n.length);
    bytes.put(ns).put((byte) 0).put(n);
    return new LockKey(namespace, name, Hashing.xxh3_64().hashBytesToLong(bytes.array()));
  }

  static void checkNamespace(String namespace) {
    if (namespace == null || namespace.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a lock namespace must not be null or contain NUL");
    }
  }

  /**
   * The {@code GET_LOCK} name: {@code c:<16 hex digits of the key>:<readable prefix>}, at most 64
   * characters, lower case (MariaDB compares lock names case-insensitively and server-wide). The
   * hex part makes it unique per namespace and name; the prefix only helps a human reading {@code
   * SHOW PROCESSLIST}.
   */
  String mariaDbName() {
    StringBuilder out = new StringBuilder(MARIADB_NAME_LIMIT);
    out.append("c:").append(String.format(Locale.ROOT, "%016x", value)).append(':');
    String readable =
        (namespace.isEmpty() ? name : namespace + "/" + name).toLowerCase(Locale.ROOT);
    for (int i = 0; i < readable.length() && out.length() < MARIADB_NAME_LIMIT; i++) {
      char c = readable.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    return out.toString();
  }

  /** The name stored in the lock table, bounded so any name fits the column. */
  String storedName() {
    String full = namespace.isEmpty() ? name : namespace + "/" + name;
    return full.length() <= 500 ? full : full.substring(0, 500);
  }

  @Override
  public String toString() {
    return "'" + name + "' (key " + value + ")";
  }
}
