package io.concord.shard;

/** One slot that changes owner in a topology transition. */
public record SlotMove(int slot, String from, String to) {}
