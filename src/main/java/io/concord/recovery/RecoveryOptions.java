package io.concord.recovery;

import io.concord.xa.ConcordXid;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * When and for whom the {@link RecoveryManager} recovers. Built with {@link #builder(String)};
 * every value is checked with a message that names the option.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>nodeId</td><td>(required)</td><td>this TM's node id; its orphans are rolled back</td></tr>
 *   <tr><td>alsoForNodes</td><td>none</td><td>node ids of TMs that are gone for good, whose
 *       orphans this TM also rolls back</td></tr>
 *   <tr><td>interval</td><td>30 s</td><td>pause between periodic passes; {@link Duration#ZERO}
 *       turns periodic recovery off</td></tr>
 *   <tr><td>startupTimeout</td><td>30 s</td><td>how long {@link RecoveryManager#start()} keeps
 *       retrying before the TM reports ready; what is left is done periodically</td></tr>
 *   <tr><td>orphanGrace</td><td>10 s</td><td>an in-doubt branch without a COMMIT record is rolled
 *       back only when seen in two scans at least this far apart</td></tr>
 *   <tr><td>retryInitialDelay</td><td>1 s</td><td>first back-off after a resource failed</td></tr>
 *   <tr><td>retryMaxDelay</td><td>5 min</td><td>longest back-off</td></tr>
 * </table>
 */
public final class RecoveryOptions {
  private final String nodeId;
  private final Set<String> alsoForNodes;
  private final Duration interval;
  private final Duration startupTimeout;
  private final Duration orphanGrace;
  private final Duration retryInitialDelay;
  private final Duration retryMaxDelay;

  private RecoveryOptions(Builder b) {
    this.nodeId = b.nodeId;
    this.alsoForNodes = Set.copyOf(b.alsoForNodes);
    this.interval = b.interval;
    this.startupTimeout = b.startupTimeout;
    this.orphanGrace = b.orphanGrace;
    this.retryInitialDelay = b.retryInitialDelay;
    this.retryMaxDelay = b.retryMaxDelay;
  }

  /** Starts options for the TM whose node id is {@code nodeId}. */
  public static Builder builder(String nodeId) {
    return new Builder(nodeId);
  }

  public String nodeId() {
    return nodeId;
  }

  public Set<String> alsoForNodes() {
    return alsoForNodes;
  }

  /** The node ids whose orphans are rolled back: {@link #nodeId()} and {@link #alsoForNodes()}. */
  public Set<String> ownedNodes() {
    Set<String> all = new LinkedHashSet<>();
    all.add(nodeId);
    all.addAll(alsoForNodes);
    return Set.copyOf(all);
  }

  public Duration interval() {
    return interval;
  }

  public Duration startupTimeout() {
    return startupTimeout;
  }

  public Duration orphanGrace() {
    return orphanGrace;
  }

  public Duration retryInitialDelay() {
    return retryInitialDelay;
  }

  public Duration retryMaxDelay() {
    return retryMaxDelay;
  }

  @Override
  public String toString() {
    return "RecoveryOptions[nodeId="
        + nodeId
        + ", alsoForNodes="
        + alsoForNodes
        + ", interval="
        + interval
        + ", startupTimeout="
        + startupTimeout
        + ", orphanGrace="
        + orphanGrace
        + ", retryInitialDelay="
        + retryInitialDelay
        + ", retryMaxDelay="
        + retryMaxDelay
        + "]";
  }

  /** Builds {@link RecoveryOptions}. */
  public static final class Builder {
    private final String nodeId;
    private final Set<String> alsoForNodes = new LinkedHashSet<>();
    private Duration interval = Duration.ofSeconds(30);
    private Duration startupTimeout = Duration.ofSeconds(30);
    private Duration orphanGrace = Duration.ofSeconds(10);
    private Duration retryInitialDelay = Duration.ofSeconds(1);
    private Duration retryMaxDelay = Duration.ofMinutes(5);

    private Builder(String nodeId) {
      this.nodeId = validNode("nodeId", nodeId);
    }

    /**
     * Also roll back the orphans of these node ids. Only for TMs that are gone for good and whose
     * log holds no open COMMIT record (their COMMIT records are not in this TM's log): rolling back
     * a live TM's in-flight branches breaks its transactions.
     */
    public Builder alsoForNodes(Iterable<String> nodeIds) {
      Objects.requireNonNull(nodeIds, "alsoForNodes is null");
      for (String node : nodeIds) {
        alsoForNodes.add(validNode("alsoForNodes", node));
      }
      return this;
    }

    public Builder interval(Duration value) {
      this.interval = nonNegative("interval", value);
      return this;
    }

    public Builder startupTimeout(Duration value) {
      this.startupTimeout = nonNegative("startupTimeout", value);
      return this;
    }

    public Builder orphanGrace(Duration value) {
      this.orphanGrace = nonNegative("orphanGrace", value);
      return this;
    }

    public Builder retryInitialDelay(Duration value) {
      this.retryInitialDelay = positive("retryInitialDelay", value);
      return this;
    }

    public Builder retryMaxDelay(Duration value) {
      this.retryMaxDelay = positive("retryMaxDelay", value);
      return this;
    }

    /**
     * @throws IllegalArgumentException when retryMaxDelay is shorter than retryInitialDelay
     */
    public RecoveryOptions build() {
      if (retryMaxDelay.compareTo(retryInitialDelay) < 0) {
        throw new IllegalArgumentException(
            "recovery option retryMaxDelay ("
                + retryMaxDelay
                + ") must not be shorter than retryInitialDelay ("
                + retryInitialDelay
                + ")");
      }
      return new RecoveryOptions(this);
    }

    private static String validNode(String option, String node) {
      try {
        return ConcordXid.requireValidNodeId(node);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("recovery option " + option + ": " + e.getMessage(), e);
      }
    }

    private static Duration nonNegative(String option, Duration value) {
      Objects.requireNonNull(value, () -> "recovery option " + option + " is null");
      if (value.isNegative()) {
        throw new IllegalArgumentException(
            "recovery option " + option + " must not be negative, got " + value);
      }
      return value;
    }

    private static Duration positive(String option, Duration value) {
      nonNegative(option, value);
      if (value.isZero()) {
        throw new IllegalArgumentException("recovery option " + option + " must be positive");
      }
      return value;
    }
  }
}
