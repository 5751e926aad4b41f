package io.concord.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchGatheringTest {

  @Test
  void aLoneCommitterNeverWaits() {
    BatchGathering gathering = new BatchGathering(8, 250_000, 2);
    for (int i = 0; i < 20; i++) {
      gathering.record(1);
    }
    assertThat(gathering.expectedWaiters()).isEqualTo(1);
  }

  @Test
  void alternatingBatchesConvergeOnTheirSum() {
    BatchGathering gathering = new BatchGathering(8, 250_000, 2);
    gathering.record(1);
    gathering.record(3);
    gathering.record(1);
    assertThat(gathering.expectedWaiters()).isEqualTo(3);
    gathering.record(4);
    assertThat(gathering.expectedWaiters()).isEqualTo(4);
  }

  @Test
  void expectationFollowsConcurrencyDownAfterTheHistory() {
    BatchGathering gathering = new BatchGathering(4, 250_000, 2);
    gathering.record(16);
    for (int i = 0; i < 4; i++) {
      gathering.record(2);
    }
    assertThat(gathering.expectedWaiters()).isEqualTo(2);
  }

  @Test
  void fewCommittersPerCoreWaitHalfAForce() {
    BatchGathering gathering = new BatchGathering(8, 250_000, 2);
    gathering.record(8); // 4 per core on 2 cores
    assertThat(gathering.gatherNanos(100_000)).isEqualTo(50_000);
    assertThat(gathering.gatherNanos(10_000_000)).isEqualTo(250_000);
    assertThat(gathering.gatherNanos(0)).isZero();
  }

  @Test
  void manyCommittersPerCoreWaitAQuarterOfAForce() {
    BatchGathering gathering = new BatchGathering(8, 250_000, 2);
    gathering.record(9);
    assertThat(gathering.gatherNanos(100_000)).isEqualTo(25_000);
    assertThat(gathering.gatherNanos(10_000_000)).isEqualTo(250_000);
  }
}
