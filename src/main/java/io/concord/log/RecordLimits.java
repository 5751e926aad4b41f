package io.concord.log;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Size limits of the values in log records, checked when a record is built and when it is read. */
final class RecordLimits {
  static final int MAX_GTRID_BYTES = 64; // XA: 1..64
  static final int MAX_BQUAL_BYTES = 64; // XA: up to 64
  static final int MAX_RESOURCE_NAME_BYTES = 512;
  static final int MAX_BRANCHES = 1024;
  static final int MAX_DETAIL_BYTES = 16 * 1024;

  private RecordLimits() {}

  static byte[] checkGtrid(byte[] gtrid) {
    if (gtrid == null) {
      throw new NullPointerException("gtrid is null");
    }
    if (gtrid.length < 1 || gtrid.length > MAX_GTRID_BYTES) {
      throw new IllegalArgumentException(
          "gtrid must be 1.." + MAX_GTRID_BYTES + " bytes, got " + gtrid.length);
    }
    return gtrid.clone();
  }

  static byte[] checkBqual(byte[] bqual) {
    if (bqual == null) {
      throw new NullPointerException("bqual is null");
    }
    if (bqual.length > MAX_BQUAL_BYTES) {
      throw new IllegalArgumentException(
          "bqual must be at most " + MAX_BQUAL_BYTES + " bytes, got " + bqual.length);
    }
    return bqual.clone();
  }

  static String checkResourceName(String name) {
    if (name == null) {
      throw new NullPointerException("resourceName is null");
    }
    int length = utf8(name, "resourceName").length;
    if (length < 1 || length > MAX_RESOURCE_NAME_BYTES) {
      throw new IllegalArgumentException(
          "resourceName must be 1.."
              + MAX_RESOURCE_NAME_BYTES
              + " bytes of UTF-8, got "
              + length
              + ": '"
              + abbreviate(name)
              + "'");
    }
    return name;
  }

  static String checkDetail(String detail) {
    String value = detail == null ? "" : detail;
    int length = utf8(value, "detail").length;
    if (length > MAX_DETAIL_BYTES) {
      throw new IllegalArgumentException(
          "detail must be at most " + MAX_DETAIL_BYTES + " bytes of UTF-8, got " + length);
    }
    return value;
  }

  /** Strict UTF-8: a string with an unpaired surrogate would not read back equal. */
  static byte[] utf8(String text, String what) {
    boolean surrogates = false;
    for (int i = 0; i < text.length() && !surrogates; i++) {
      surrogates = Character.isSurrogate(text.charAt(i));
    }
    if (!surrogates) {
      return text.getBytes(StandardCharsets.UTF_8); // fast path: always exact without surrogates
    }
    try {
      ByteBuffer encoded =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " is not valid Unicode (unpaired surrogate?)", e);
    }
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
