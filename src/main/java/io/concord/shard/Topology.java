package io.concord.shard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A versioned, immutable slot map: {@code key → 64-bit hash → slot → shard}.
 *
 * <p>A key's slot is the top {@code log2(S)} bits of its {@link ShardKeyHasher#hash hash}, so the
 * slots are contiguous ranges of the hash space and doubling S later would split every slot into
 * two children without moving a row. Every slot is owned by exactly one shard. A topology is a pure
 * value: {@link #apply} derives the next version from this one and a change, so every node that
 * applies the same change to the same topology gets the same map; {@link TopologyFile} writes and
 * reads it so nodes can share it.
 */
public final class Topology {
  /** The default slot count: see docs/shard.md, "Slots". */
  public static final int DEFAULT_SLOT_COUNT = 16_384;

  /** Smallest and largest slot counts accepted (both powers of two). */
  public static final int MIN_SLOT_COUNT = 1, MAX_SLOT_COUNT = 1 << 20;

  private final long version;
  private final int slotCount;
  private final int shift;
  private final List<Shard> shards;
  private final Map<String, Integer> indexByName;
  private final short[] ownerBySlot;
  private final Shard[] shardByIndex;

  private Topology(long version, int slotCount, List<Shard> shards, int[] owners) {
    if (version < 1) {
      throw new InvalidTopologyException("topology version must be at least 1, got " + version);
    }
    if (slotCount < MIN_SLOT_COUNT
        || slotCount > MAX_SLOT_COUNT
        || Integer.bitCount(slotCount) != 1) {
      throw new InvalidTopologyException(
          "slot count must be a power of two between "
              + MIN_SLOT_COUNT
              + " and "
              + MAX_SLOT_COUNT
              + ", got "
              + slotCount);
    }
    if (shards.isEmpty()) {
      throw new InvalidTopologyException("a topology needs at least one shard");
    }
    if (shards.size() > slotCount || shards.size() > Short.MAX_VALUE) {
      throw new InvalidTopologyException(
          shards.size() + " shards cannot share " + slotCount + " slots; use more slots");
    }
    Map<String, Integer> index = new HashMap<>();
    Map<String, String> lowerCase = new HashMap<>();
    for (int i = 0; i < shards.size(); i++) {
      Shard shard = shards.get(i);
      String clash = lowerCase.put(shard.name().toLowerCase(Locale.ROOT), shard.name());
      if (clash != null) {
        throw new InvalidTopologyException(
            "shard name '" + shard.name() + "' is used twice (names are compared ignoring case)");
      }
      index.put(shard.name(), i);
    }
    if (owners.length != slotCount) {
      throw new InvalidTopologyException(
          "slot map has " + owners.length + " entries for " + slotCount + " slots");
    }
    short[] compact = new short[slotCount];
    for (int slot = 0; slot < slotCount; slot++) {
      int owner = owners[slot];
      if (owner < 0 || owner >= shards.size()) {
        throw new InvalidTopologyException("slot " + slot + " is not assigned to any shard");
      }
      compact[slot] = (short) owner;
    }
    this.version = version;
    this.slotCount = slotCount;
    this.shift = 64 - Integer.numberOfTrailingZeros(slotCount);
    this.shards = List.copyOf(shards);
    this.indexByName = Map.copyOf(index);
    this.ownerBySlot = compact;
    this.shardByIndex = this.shards.toArray(new Shard[0]);
  }

  /**
   * Version 1 of a new sharded set: the slots split by weight, one contiguous range per shard in
   * the order given.
   */
  public static Topology initial(int slotCount, List<Shard> shards) {
    long[] weights = shards.stream().mapToLong(Shard::weight).toArray();
    // Validate counts before the assignment so the error is about the input, not an index.
    if (shards.isEmpty()) {
      throw new InvalidTopologyException("a topology needs at least one shard");
    }
    if (slotCount >= MIN_SLOT_COUNT
        && slotCount <= MAX_SLOT_COUNT
        && Integer.bitCount(slotCount) == 1
        && shards.size() <= slotCount) {
      return new Topology(1, slotCount, shards, SlotAssignment.initial(slotCount, weights));
    }
    return new Topology(1, slotCount, shards, new int[0]); // throws the precise error
  }

  /**
   * A topology from its parts, as read from a file; validates everything.
   *
   * @param ownerBySlot for each slot, the index in {@code shards} of its owner
   */
  public static Topology of(long version, int slotCount, List<Shard> shards, int[] ownerBySlot) {
    return new Topology(version, slotCount, shards, ownerBySlot.clone());
  }

  public long version() {
    return version;
  }

  public int slotCount() {
    return slotCount;
  }

  /** The shards in their stable order (new shards are appended). */
  public List<Shard> shards() {
    return shards;
  }

  /** The shard of this name, or {@link UnknownShardException}. */
  public Shard shard(String name) {
    return shardByIndex[indexOf(name)];
  }

  public boolean contains(String name) {
    return indexByName.containsKey(name);
  }

  /** The slot of a key. */
  public int slotFor(Object key) {
    return slotOfHash(ShardKeyHasher.hash(key));
  }

  /** The slot of a 64-bit hash: its top log2(S) bits. */
  public int slotOfHash(long hash) {
    // For S = 1 the shift is 64, which Java reduces to 0: mask it explicitly.
    return shift == 64 ? 0 : (int) (hash >>> shift);
  }

  /** The shard that owns a key. */
  public Shard shardFor(Object key) {
    return shardByIndex[ownerBySlot[slotOfHash(ShardKeyHasher.hash(key))]];
  }

  /** The index in {@link #shards()} of the shard that owns a key. */
  int shardIndexFor(Object key) {
    return ownerBySlot[slotOfHash(ShardKeyHasher.hash(key))];
  }

  /** The shard that owns a slot. */
  public Shard ownerOf(int slot) {
    return shardByIndex[ownerBySlot[checkSlot(slot)]];
  }

  /** The slots a shard owns, ascending. */
  public int[] slotsOf(String name) {
    int index = indexOf(name);
    int[] result = new int[slotCountOf(index)];
    int k = 0;
    for (int slot = 0; slot < slotCount; slot++) {
      if (ownerBySlot[slot] == index) {
        result[k++] = slot;
      }
    }
    return result;
  }

  /** How many slots each shard owns, in shard order. */
  public int[] slotCounts() {
    return SlotAssignment.counts(owners(), shards.size());
  }

  /**
   * The next version of this topology after a change, with the slots that move. Pure: the same
   * topology and change give the same result on every node.
   */
  public TopologyTransition apply(TopologyChange change) {
    long[] weights = shards.stream().mapToLong(Shard::weight).toArray();
    List<Shard> next = new ArrayList<>(shards);
    int[] owners;
    if (change instanceof TopologyChange.AddShard) {
      Shard added = ((TopologyChange.AddShard) change).shard();
      if (contains(added.name())
          || shards.stream().anyMatch(s -> s.name().equalsIgnoreCase(added.name()))) {
        throw new InvalidTopologyException(
            "shard '" + added.name() + "' is already in topology version " + version);
      }
      if (shards.size() + 1 > slotCount) {
        throw new InvalidTopologyException(
            "cannot add shard '"
                + added.name()
                + "': "
                + slotCount
                + " slots cannot be shared by "
                + (shards.size() + 1)
                + " shards");
      }
      next.add(added);
      owners = SlotAssignment.add(owners(), weights, added.weight());
    } else {
      String name = ((TopologyChange.RemoveShard) change).name();
      int index = indexOf(name);
      if (shards.size() == 1) {
        throw new InvalidTopologyException(
            "cannot remove shard '" + name + "': it is the only shard");
      }
      next.remove(index);
      owners = SlotAssignment.remove(owners(), weights, index);
    }
    Topology to = new Topology(version + 1, slotCount, next, owners);
    List<SlotMove> moves = new ArrayList<>();
    for (int slot = 0; slot < slotCount; slot++) {
      String from = ownerOf(slot).name();
      String toName = to.ownerOf(slot).name();
      if (!from.equals(toName)) {
        moves.add(new SlotMove(slot, from, toName));
      }
    }
    return new TopologyTransition(this, to, change, moves);
  }

  /**
   * A digest of what routing depends on (slot count, shard names and weights, slot map); connection
   * settings and the version are left out, since nodes may reach the same shard by different URLs.
   */
  public String fingerprint() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(("concord-topology/1/" + slotCount).getBytes(StandardCharsets.UTF_8));
      for (Shard shard : shards) {
        digest.update(("/" + shard.name() + ":" + shard.weight()).getBytes(StandardCharsets.UTF_8));
      }
      byte[] map = new byte[2 * slotCount];
      for (int slot = 0; slot < slotCount; slot++) {
        map[2 * slot] = (byte) (ownerBySlot[slot] >>> 8);
        map[2 * slot + 1] = (byte) ownerBySlot[slot];
      }
      digest.update(map);
      return ShardKeyHasher.hex(digest.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * Throws {@link TopologyMismatchException} unless {@code other} routes exactly like this one:
   * same version and same {@link #fingerprint()}.
   */
  public void requireSameRouting(Topology other, String otherDescription) {
    if (other.version != version) {
      throw new TopologyMismatchException(
          "topology version mismatch: this node routes with version "
              + version
              + " but "
              + otherDescription
              + " has version "
              + other.version
              + "; every node must load the same topology before routing");
    }
    if (!other.fingerprint().equals(fingerprint())) {
      throw new TopologyMismatchException(
          "topology version "
              + version
              + " differs between this node (fingerprint "
              + fingerprint()
              + ") and "
              + otherDescription
              + " (fingerprint "
              + other.fingerprint()
              + "): two different slot maps carry the same version");
    }
  }

  int[] owners() {
    int[] owners = new int[slotCount];
    for (int slot = 0; slot < slotCount; slot++) {
      owners[slot] = ownerBySlot[slot];
    }
    return owners;
  }

  int indexOf(String name) {
    Integer index = indexByName.get(name);
    if (index == null) {
      List<String> names = new ArrayList<>(indexByName.keySet());
      Collections.sort(names);
      throw new UnknownShardException(name, version, names);
    }
    return index;
  }

  private int slotCountOf(int index) {
    int count = 0;
    for (short owner : ownerBySlot) {
      if (owner == index) {
        count++;
      }
    }
    return count;
  }

  private int checkSlot(int slot) {
    if (slot < 0 || slot >= slotCount) {
      throw new IllegalArgumentException(
          "slot " + slot + " is outside 0.." + (slotCount - 1) + " of topology version " + version);
    }
    return slot;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topology
        && ((Topology) o).version == version
        && ((Topology) o).shards.equals(shards)
        && java.util.Arrays.equals(((Topology) o).ownerBySlot, ownerBySlot);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(version) * 31 + java.util.Arrays.hashCode(ownerBySlot);
  }

  @Override
  public String toString() {
    return "Topology[version="
        + version
        + ", slots="
        + slotCount
        + ", shards="
        + shards.stream().map(Shard::name).toList()
        + "]";
  }
}
