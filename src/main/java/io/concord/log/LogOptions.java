package io.concord.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;

/** Options of a {@link TransactionLog}; built with {@link #builder(Path)}, validated on build. */
public final class LogOptions {

  /** Default size of a preallocated segment file. */
  public static final long DEFAULT_SEGMENT_SIZE_BYTES = 16L * 1024 * 1024;

  /** Default bound of the append queue; appenders block (back-pressure) beyond it. */
  public static final int DEFAULT_MAX_PENDING_APPENDS = 4096;

  static final long DEFAULT_END_DELAY_NANOS = 50_000_000L;
  static final long MIN_SEGMENT_SIZE_BYTES = 4096;
  static final long MAX_SEGMENT_SIZE_BYTES = 1L << 30;
  static final int MAX_NODE_ID_BYTES = 32;

  /** Opens the file channels of segments; tests replace it to inject write and force failures. */
  @FunctionalInterface
  interface ChannelOpener {
    FileChannel open(Path path, OpenOption... options) throws IOException;
  }

  private final Path directory;
  private final String nodeId;
  private final long segmentSizeBytes;
  private final int maxPendingAppends;
  private final ForceMode forceMode;
  private final boolean setAsideDamagedSegments;
  private final boolean spinWait;
  private final ChannelOpener channelOpener;
  private final long endDelayNanos;

  private LogOptions(Builder builder) {
    this.directory = builder.directory;
    this.nodeId = builder.nodeId;
    this.segmentSizeBytes = builder.segmentSizeBytes;
    this.maxPendingAppends = builder.maxPendingAppends;
    this.forceMode = builder.forceMode;
    this.setAsideDamagedSegments = builder.setAsideDamagedSegments;
    this.spinWait = builder.spinWait;
    this.channelOpener = builder.channelOpener;
    this.endDelayNanos = builder.endDelayNanos;
  }

  /** Starts options for the log in {@code directory} (created on open if absent). */
  public static Builder builder(Path directory) {
    return new Builder(Objects.requireNonNull(directory, "directory is null"));
  }

  public Path directory() {
    return directory;
  }

  public String nodeId() {
    return nodeId;
  }

  public long segmentSizeBytes() {
    return segmentSizeBytes;
  }

  public int maxPendingAppends() {
    return maxPendingAppends;
  }

  public ForceMode forceMode() {
    return forceMode;
  }

  public boolean setAsideDamagedSegments() {
    return setAsideDamagedSegments;
  }

  /** Whether committers may spin and yield while a short force is in flight (default true). */
  public boolean spinWait() {
    return spinWait;
  }

  ChannelOpener channelOpener() {
    return channelOpener;
  }

  /** How long END records may wait for a forced batch to ride along with. */
  long endDelayNanos() {
    return endDelayNanos;
  }

  @Override
  public String toString() {
    return "LogOptions[directory="
        + directory
        + ", nodeId="
        + nodeId
        + ", segmentSizeBytes="
        + segmentSizeBytes
        + ", maxPendingAppends="
        + maxPendingAppends
        + ", forceMode="
        + forceMode
        + ", setAsideDamagedSegments="
        + setAsideDamagedSegments
        + ", spinWait="
        + spinWait
        + "]";
  }

  /** Builder of {@link LogOptions}. */
  public static final class Builder {
    private final Path directory;
    private String nodeId;
    private long segmentSizeBytes = DEFAULT_SEGMENT_SIZE_BYTES;
    private int maxPendingAppends = DEFAULT_MAX_PENDING_APPENDS;
    private ForceMode forceMode = ForceMode.FDATASYNC;
    private boolean setAsideDamagedSegments;
    private boolean spinWait = true;
    private ChannelOpener channelOpener = FileChannel::open;
    private long endDelayNanos = DEFAULT_END_DELAY_NANOS;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * Required: the id of this transaction-manager node, 1..32 bytes of UTF-8. It is written into
     * every segment header; opening a directory written by another node id fails.
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /** Size each segment file is preallocated to (default 16 MiB, 4 KiB .. 1 GiB). */
    public Builder segmentSizeBytes(long segmentSizeBytes) {
      this.segmentSizeBytes = segmentSizeBytes;
      return this;
    }

    /** Bound of the append queue (default 4096); appenders block while it is full. */
    public Builder maxPendingAppends(int maxPendingAppends) {
      this.maxPendingAppends = maxPendingAppends;
      return this;
    }

    /** {@link ForceMode#FDATASYNC} (default) or {@link ForceMode#NONE} (not durable). */
    public Builder forceMode(ForceMode forceMode) {
      this.forceMode = forceMode;
      return this;
    }

    /**
     * Operator option (default false): instead of refusing to start on a damaged segment, rename it
     * to {@code <name>.damaged-<millis>} (kept for inspection, never deleted), log at WARN what was
     * set aside, keep the valid records read before the damage, and continue.
     */
    public Builder setAsideDamagedSegments(boolean setAsideDamagedSegments) {
      this.setAsideDamagedSegments = setAsideDamagedSegments;
      return this;
    }

    /**
     * Whether a committer waiting for a short force (at most 250 µs) keeps its core, spinning and
     * then yielding it to any runnable thread, instead of parking at once (default true). Parking
     * leaves the cores idle during every force and pays a wake-up per commit; with many concurrent
     * committers that is most of the cost (measured on 2 cores: 1.5–2× the throughput from 4
     * committers up). The price: a yielding thread stays runnable, so it uses CPU time that would
     * otherwise be idle and counts against CPU quotas. Turn it off where CPU time is billed or
     * capped (a container's CPU quota, a battery); that also turns off the lone committer's spin.
     * Next to CPU-bound threads yielding would lose whole time slices; the log notices (yields that
     * return after more than 1 ms) and pauses yielding by itself.
     */
    public Builder spinWait(boolean spinWait) {
      this.spinWait = spinWait;
      return this;
    }

    Builder endDelayNanos(long endDelayNanos) {
      this.endDelayNanos = endDelayNanos;
      return this;
    }

    Builder channelOpener(ChannelOpener channelOpener) {
      this.channelOpener = Objects.requireNonNull(channelOpener, "channelOpener is null");
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the option and the allowed range when a value is
     *     invalid or the node id is missing
     */
    public LogOptions build() {
      if (nodeId == null) {
        throw new IllegalArgumentException(
            "nodeId is required (1.." + MAX_NODE_ID_BYTES + " bytes of UTF-8)");
      }
      int nodeIdBytes = nodeId.getBytes(StandardCharsets.UTF_8).length;
      if (nodeIdBytes < 1 || nodeIdBytes > MAX_NODE_ID_BYTES) {
        throw new IllegalArgumentException(
            "nodeId must be 1.."
                + MAX_NODE_ID_BYTES
                + " bytes of UTF-8, got "
                + nodeIdBytes
                + " bytes: '"
                + nodeId
                + "'");
      }
      if (segmentSizeBytes < MIN_SEGMENT_SIZE_BYTES || segmentSizeBytes > MAX_SEGMENT_SIZE_BYTES) {
        throw new IllegalArgumentException(
            "segmentSizeBytes must be "
                + MIN_SEGMENT_SIZE_BYTES
                + ".."
                + MAX_SEGMENT_SIZE_BYTES
                + ", got "
                + segmentSizeBytes);
      }
      if (maxPendingAppends < 1) {
        throw new IllegalArgumentException(
            "maxPendingAppends must be at least 1, got " + maxPendingAppends);
      }
      if (forceMode == null) {
        throw new IllegalArgumentException("forceMode is null (use FDATASYNC or NONE)");
      }
      return new LogOptions(this);
    }
  }
}
