package io.concord.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The child JVM of {@link LogCrashTest}: appends commits from many threads until it is killed.
 *
 * <p>Protocol on stdout, one line each, written straight to the file descriptor: {@code READY};
 * {@code C <id>} after {@code appendCommit} of transaction {@code id} returned (acknowledged);
 * {@code E <id>} before {@code appendEnd} of it is called (the END may be durable from then on),
 * also for the commits of earlier runs it finds live at start and ends. Ids are {@code run * 10^12
 * + thread * 10^9 + n} with n = 0, 1, 2, … per thread, so the parent knows every id a thread may
 * have tried.
 */
public final class CrashingAppender {

  private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);

  private CrashingAppender() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    long run = Long.parseLong(args[1]);
    int threads = Integer.parseInt(args[2]);
    long segmentSize = Long.parseLong(args[3]);
    TransactionLog log =
        TransactionLog.open(
            LogOptions.builder(directory).nodeId("crash").segmentSizeBytes(segmentSize).build());
    // As recovery would: finish what earlier runs left live, so the live set stays bounded.
    for (CommitRecord live : log.liveCommits()) {
      print("E " + new String(live.gtrid(), StandardCharsets.UTF_8).substring(1));
      log.appendEnd(live.gtrid());
    }
    print("READY");
    for (int t = 0; t < threads; t++) {
      long base = run * 1_000_000_000_000L + t * 1_000_000_000L;
      Thread worker =
          new Thread(
              () -> {
                try {
                  for (long n = 0; ; n++) {
                    long id = base + n;
                    log.appendCommit(record(id));
                    print("C " + id);
                    if (n % 4 != 0) { // three in four finish; the rest stay live
                      print("E " + id);
                      log.appendEnd(gtrid(id));
                    }
                  }
                } catch (Exception e) {
                  e.printStackTrace();
                  System.exit(3);
                }
              });
      worker.start();
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  static byte[] gtrid(long id) {
    return ("g" + id).getBytes(StandardCharsets.UTF_8);
  }

  /** Deterministic content, so the parent can tell a record that was never appended. */
  static CommitRecord record(long id) {
    return new CommitRecord(
        gtrid(id),
        List.of(
            new BranchRecord("jdbc/a", new byte[] {0, 0, 0, 1}),
            new BranchRecord("jdbc/b-" + (id % 7), new byte[] {0, 0, 0, 2})),
        id);
  }

  private static void print(String line) throws IOException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
    synchronized (OUT) { // one write(2) per line: a kill never leaves half a line
      OUT.write(bytes);
    }
  }
}
