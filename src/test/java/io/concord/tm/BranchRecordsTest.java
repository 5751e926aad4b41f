package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.log.BranchRecord;
import io.concord.xa.ConcordXid;
import org.junit.jupiter.api.Test;

class BranchRecordsTest {

  @Test
  void sameNameAndBranchNumberGiveTheSameRecordAcrossTransactions() {
    BranchRecords records = new BranchRecords();
    BranchRecord first = records.of("java:/ds/a", ConcordXid.of("n", 1, 1, 2));
    BranchRecord again = records.of("java:/ds/a", ConcordXid.of("n", 1, 99, 2));
    assertThat(again).isSameAs(first);
    assertThat(first).isEqualTo(new BranchRecord("java:/ds/a", new byte[] {0, 0, 0, 2}));
    assertThat(records.of("java:/ds/a", ConcordXid.of("n", 1, 1, 3)).bqual())
        .containsExactly(0, 0, 0, 3);
    assertThat(records.of("java:/ds/b", ConcordXid.of("n", 1, 1, 2)).resourceName())
        .isEqualTo("java:/ds/b");
  }

  @Test
  void beyondTheBoundsRecordsAreBuiltFresh() {
    BranchRecords records = new BranchRecords();
    int high = BranchRecords.MAX_BRANCH + 1;
    BranchRecord one = records.of("a", ConcordXid.of("n", 1, 1, high));
    assertThat(records.of("a", ConcordXid.of("n", 1, 2, high))).isEqualTo(one).isNotSameAs(one);
    for (int i = 0; i < BranchRecords.MAX_NAMES; i++) {
      records.of("name-" + i, ConcordXid.of("n", 1, 1, 1));
    }
    BranchRecord extra = records.of("one-too-many", ConcordXid.of("n", 1, 1, 1));
    assertThat(records.of("one-too-many", ConcordXid.of("n", 1, 1, 1)))
        .isEqualTo(extra)
        .isNotSameAs(extra);
  }
}
