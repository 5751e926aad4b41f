package io.concord.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchGatheringTest {

  @Test
  void aLoneCommitterNeverWaits() {
    BatchGathering gathering = new BatchGathering(8, 250_000);
    for (int i = 0; i < 20; i++) {
      gathering.record(1);
    }
    assertThat(gathering.expectedWaiters()).isEqualTo(1);
  }

  @Test
  void alternatingBatchesConvergeOnTheirSum() {
    BatchGathering gathering = new BatchGathering(8, 250_000);
    gathering.record(1);
    gathering.record(3);
    gathering.record(1);
    assertThat(gathering.expectedWaiters()).isEqualTo(3);
    gathering.record(4);
    assertThat(gathering.expectedWaiters()).isEqualTo(4);
  }

  @Test
  void expectationFollowsConcurrencyDownAfterTheHistory() {
    BatchGathering gathering = new BatchGathering(4, 250_000);
    gathering.record(16);
    for (int i = 0; i < 4; i++) {
      gathering.record(2);
    }
    assertThat(gathering.expectedWaiters()).isEqualTo(2);
  }

  @Test
  void waitIsCappedAndAFractionOfTheForce() {
    BatchGathering gathering = new BatchGathering(8, 250_000);
    assertThat(gathering.gatherNanos(400_000)).isEqualTo(100_000);
    assertThat(gathering.gatherNanos(10_000_000)).isEqualTo(250_000);
    assertThat(gathering.gatherNanos(0)).isZero();
  }
}
