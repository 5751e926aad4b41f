package io.concord.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names of the files in a log directory. */
final class SegmentFiles {

  static final String LOCK_FILE = "concord-log.lock";
  private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{16})\\.log");
  private static final String TEMP_SUFFIX = ".tmp";

  private SegmentFiles() {}

  static String segmentName(long sequence) {
    return String.format("wal-%016d.log", sequence);
  }

  static Path segment(Path directory, long sequence) {
    return directory.resolve(segmentName(sequence));
  }

  /** Where a new segment is prepared before it is renamed into place (atomic creation). */
  static Path temporary(Path directory, long sequence) {
    return directory.resolve(segmentName(sequence) + TEMP_SUFFIX);
  }

  static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(TEMP_SUFFIX)
        && SEGMENT.matcher(name.substring(0, name.length() - TEMP_SUFFIX.length())).matches();
  }

  /** Sequence number of a segment file name, or -1 when the name is not a segment's. */
  static long sequenceOf(Path file) {
    Matcher matcher = SEGMENT.matcher(file.getFileName().toString());
    return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
  }

  /** Segment files of the directory, oldest first. */
  static List<Path> list(Path directory) throws IOException {
    List<Path> segments = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        if (sequenceOf(file) >= 0 && Files.isRegularFile(file)) {
          segments.add(file);
        }
      }
    }
    segments.sort((a, b) -> Long.compare(sequenceOf(a), sequenceOf(b)));
    return segments;
  }

  /** Leftover temporary files of segment creations a crash interrupted. */
  static List<Path> listTemporary(Path directory) throws IOException {
    List<Path> temporary = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        if (isTemporary(file)) {
          temporary.add(file);
        }
      }
    }
    return temporary;
  }

  static Path setAsideName(Path segment, long millis) {
    return segment.resolveSibling(segment.getFileName() + ".damaged-" + millis);
  }
}
