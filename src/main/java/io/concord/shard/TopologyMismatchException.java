package io.concord.shard;

/**
 * Two parties route with different topologies: this node and a shard's recorded topology, or two
 * topology files that carry the same version but different slot maps. Routing on would send rows to
 * the wrong database, so Concord stops instead.
 */
public final class TopologyMismatchException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  TopologyMismatchException(String message) {
    super(message);
  }
}
