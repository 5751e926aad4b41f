package io.concord.tm;

import io.concord.xa.ConcordXid;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Derives a node id from the host name when none is configured, and says why that is fragile. */
final class NodeIdentity {
  private static final Logger LOG = LoggerFactory.getLogger(NodeIdentity.class);

  private NodeIdentity() {}

  static String fromHostName() {
    String host = hostName();
    String nodeId = fromHostName(host);
    LOG.warn(
        "no node id configured: using '{}', derived from the host name '{}'. Every process that"
            + " writes to the same databases needs its own node id that stays the same across"
            + " restarts: recovery rolls back in-doubt XA branches by the node id in their Xid,"
            + " so two processes with one id could roll back each other's transactions, and a"
            + " changed id leaves this process's in-doubt branches to nobody. Configure the node"
            + " id explicitly.",
        nodeId,
        host);
    return nodeId;
  }

  /** A valid node id from {@code host}: unsafe characters replaced, shortened with a hash. */
  static String fromHostName(String host) {
    String cleaned =
        host == null || host.isBlank()
            ? "localhost"
            : host.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    if (cleaned.getBytes(StandardCharsets.UTF_8).length <= ConcordXid.MAX_NODE_ID_BYTES) {
      return cleaned;
    }
    String hash = String.format("%08x", cleaned.hashCode());
    return cleaned.substring(0, ConcordXid.MAX_NODE_ID_BYTES - 9) + "-" + hash;
  }

  private static String hostName() {
    String fromEnvironment = System.getenv("HOSTNAME");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return fromEnvironment;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
