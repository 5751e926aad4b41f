package io.concord.shard;

import java.util.Collection;

/** A shard name the topology does not contain. */
public final class UnknownShardException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UnknownShardException(String name, long version, Collection<String> known) {
    super("no shard named '" + name + "' in topology version " + version + "; shards: " + known);
  }
}
