package io.concord.log;

/** What a resource decided on its own for a branch (the XA heuristic codes). */
public enum HeuristicOutcome {
  COMMITTED(1),
  ROLLED_BACK(2),
  MIXED(3),
  HAZARD(4);

  /** The byte written to disk; fixed forever, independent of declaration order. */
  final int code;

  HeuristicOutcome(int code) {
    this.code = code;
  }

  static HeuristicOutcome ofCode(int code) {
    for (HeuristicOutcome outcome : values()) {
      if (outcome.code == code) {
        return outcome;
      }
    }
    return null;
  }
}
