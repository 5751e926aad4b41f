package io.concord.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Test helpers that damage and inspect log files directly. */
final class LogFiles {

  private LogFiles() {}

  static List<Path> segments(Path directory) {
    try {
      return SegmentFiles.list(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path onlySegment(Path directory) {
    List<Path> segments = segments(directory);
    if (segments.size() != 1) {
      throw new AssertionError("expected one segment in " + directory + ", found " + segments);
    }
    return segments.get(0);
  }

  static SegmentScan scan(Path segment) {
    try {
      return SegmentScanner.scan(segment, Files.readAllBytes(segment), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Offsets of the BATCH frames of a segment, in order. */
  static List<Long> batchOffsets(Path segment) {
    List<Long> offsets = new ArrayList<>();
    for (SegmentScan.Located located : scan(segment).records()) {
      if (located.entry() instanceof LogEntry.Batch) {
        offsets.add(located.offset());
      }
    }
    return offsets;
  }

  static void copyDirectory(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  static void deleteDirectory(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) files.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.delete(file);
      }
    }
  }

  static void zero(Path file, long from, long to) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(from);
      raf.write(new byte[(int) (to - from)]);
    }
  }

  static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(length);
    }
  }

  static void flipBit(Path file, long offset, int bit) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int value = raf.read();
      raf.seek(offset);
      raf.write(value ^ (1 << bit));
    }
  }

  static void writeByte(Path file, long offset, int value) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(value);
    }
  }

  /** What a piece of code printed to standard error (where slf4j-simple logs) while it ran. */
  record Captured<T>(T value, String stderr) {}

  static synchronized <T> Captured<T> capturingStderr(Callable<T> action) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      T value = action.call();
      return new Captured<>(value, bytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }
}
