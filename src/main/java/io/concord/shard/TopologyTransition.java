package io.concord.shard;

import java.util.List;

/**
 * A topology change worked out: the topology before and after, and every slot that changes owner
 * (ascending by slot).
 */
public record TopologyTransition(
    Topology from, Topology to, TopologyChange change, List<SlotMove> moves) {
  public TopologyTransition {
    moves = List.copyOf(moves);
  }

  /** The fraction of all slots that move. */
  public double movedSlotFraction() {
    return (double) moves.size() / from.slotCount();
  }
}
