package io.concord.shard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * A Ketama-style consistent-hash ring, kept only so {@code concord shard simulate} and the routing
 * benchmark can show what Concord's slot table is compared with: 160 points per shard of average
 * weight (points proportional to weight, in groups of four), four 32-bit points per MD5 digest of
 * {@code "name-i"} as in libmemcached/spymemcached; a key goes to the first point at or after the
 * top 32 bits of its hash, wrapping around.
 */
final class KetamaRing {
  static final int POINTS_PER_SHARD = 160;

  private final long[] points;
  private final int[] owners;

  KetamaRing(String[] names, int[] weights) {
    long total = Arrays.stream(weights).asLongStream().sum();
    TreeMap<Long, Integer> ring = new TreeMap<>();
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every JVM", e);
    }
    for (int shard = 0; shard < names.length; shard++) {
      long digests =
          Math.max(
              1,
              Math.round(
                  (double) POINTS_PER_SHARD / 4 * names.length * weights[shard] / (double) total));
      for (int i = 0; i < digests; i++) {
        byte[] d = md5.digest((names[shard] + "-" + i).getBytes(StandardCharsets.UTF_8));
        for (int h = 0; h < 4; h++) {
          long point =
              ((long) (d[3 + h * 4] & 0xFF) << 24)
                  | ((long) (d[2 + h * 4] & 0xFF) << 16)
                  | ((long) (d[1 + h * 4] & 0xFF) << 8)
                  | (d[h * 4] & 0xFF);
          ring.putIfAbsent(point, shard); // the first claimant keeps a colliding point
        }
      }
    }
    points = new long[ring.size()];
    owners = new int[ring.size()];
    int i = 0;
    for (var e : ring.entrySet()) {
      points[i] = e.getKey();
      owners[i++] = e.getValue();
    }
  }

  /** The shard index of a 64-bit key hash. */
  int shardOf(long hash) {
    long position = hash >>> 32;
    int i = Arrays.binarySearch(points, position);
    if (i < 0) {
      i = -i - 1;
    }
    return owners[i == points.length ? 0 : i];
  }
}
