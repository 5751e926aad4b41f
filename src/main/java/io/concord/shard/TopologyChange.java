package io.concord.shard;

import java.util.Objects;

/** A change to a topology's shard set; {@link Topology#apply} turns it into a new topology. */
public sealed interface TopologyChange {

  /** Adds a shard; slots move only to it. */
  record AddShard(Shard shard) implements TopologyChange {
    public AddShard {
      Objects.requireNonNull(shard, "shard");
    }

    @Override
    public String toString() {
      return "add shard " + shard.name() + " (weight " + shard.weight() + ")";
    }
  }

  /** Removes a shard; only its slots move, spread over the others by weight. */
  record RemoveShard(String name) implements TopologyChange {
    public RemoveShard {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
      return "remove shard " + name;
    }
  }
}
