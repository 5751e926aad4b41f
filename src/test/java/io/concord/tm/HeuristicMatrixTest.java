package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.log.HeuristicOutcome;
import io.concord.log.HeuristicRecord;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.SystemException;
import java.util.stream.Stream;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Geronimo's HeuristicTest matrix: every pair of phase-2 outcomes of two branches — commit (C),
 * heuristic commit (HC), heuristic mixed (HM), heuristic rollback (HR) — mapped to what {@code
 * commit()} must throw, plus heuristic answers to a rollback.
 */
class HeuristicMatrixTest {
  private final TestTm t = TestTm.open();

  @AfterEach
  void close() {
    t.close();
  }

  enum Answer {
    C(0),
    HC(XAException.XA_HEURCOM),
    HM(XAException.XA_HEURMIX),
    HR(XAException.XA_HEURRB);

    final int code;

    Answer(int code) {
      this.code = code;
    }
  }

  static Stream<Arguments> pairs() {
    Stream.Builder<Arguments> pairs = Stream.builder();
    for (Answer first : Answer.values()) {
      for (Answer second : Answer.values()) {
        pairs.add(Arguments.of(first, second));
      }
    }
    return pairs.build();
  }

  private static Class<? extends Exception> expected(Answer first, Answer second) {
    boolean anyMixed = first == Answer.HM || second == Answer.HM;
    boolean bothRolledBack = first == Answer.HR && second == Answer.HR;
    boolean anyRolledBack = first == Answer.HR || second == Answer.HR;
    if (anyMixed || (anyRolledBack && !bothRolledBack)) {
      return HeuristicMixedException.class;
    }
    return bothRolledBack ? HeuristicRollbackException.class : null;
  }

  private RecordingXAResource branch(String name, Answer answer) {
    RecordingXAResource resource = t.resource(name);
    return answer == Answer.C ? resource : resource.failOn("commit", answer.code);
  }

  @ParameterizedTest(name = "{0} + {1}")
  @MethodSource("pairs")
  void commitOutcome(Answer first, Answer second) throws Exception {
    t.tm.begin();
    t.tm.getTransaction().enlistResource(branch("a", first));
    t.tm.getTransaction().enlistResource(branch("b", second));
    Class<? extends Exception> expected = expected(first, second);
    if (expected == null) {
      assertThatCode(t.tm::commit).doesNotThrowAnyException();
      assertThat(t.log.heuristics()).isEmpty();
    } else {
      assertThatThrownBy(t.tm::commit).isInstanceOf(expected);
      long recorded =
          Stream.of(first, second).filter(a -> a == Answer.HM || a == Answer.HR).count();
      assertThat(t.log.heuristics()).hasSize((int) recorded);
    }
    // heuristic commits agree with the decision: forgotten by the TM
    assertThat(t.journal.calls().contains("a.forget")).isEqualTo(first == Answer.HC);
  }

  @Test
  void heuristicCommitAnsweringARollbackIsRecordedAndReported() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("rollback", XAException.XA_HEURCOM);
    t.tm.begin();
    t.tm.getTransaction().enlistResource(a);
    assertThatThrownBy(t.tm::rollback)
        .isInstanceOf(SystemException.class)
        .hasMessageContaining("HEURISTIC_COMMIT");
    assertThat(t.log.heuristics())
        .singleElement()
        .extracting(HeuristicRecord::outcome)
        .isEqualTo(HeuristicOutcome.COMMITTED);
    assertThat(t.tm.statistics().heuristic()).isEqualTo(1);
  }

  @Test
  void heuristicAnswerWhileRollingBackAFailedPrepareIsHeuristicMixed() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("rollback", XAException.XA_HEURMIX);
    RecordingXAResource b = t.resource("b").failOn("prepare", XAException.XAER_RMERR);
    t.tm.begin();
    t.tm.getTransaction().enlistResource(a);
    t.tm.getTransaction().enlistResource(b);
    assertThatThrownBy(t.tm::commit).isInstanceOf(HeuristicMixedException.class);
    assertThat(t.log.heuristics()).hasSize(1);
  }

  @Test
  void heuristicRollbackAnsweringARollbackIsForgotten() throws Exception {
    RecordingXAResource a = t.resource("a").failOn("rollback", XAException.XA_HEURRB);
    t.tm.begin();
    t.tm.getTransaction().enlistResource(a);
    t.tm.rollback();
    assertThat(t.journal.calls()).endsWith("a.rollback", "a.forget");
    assertThat(t.log.heuristics()).isEmpty();
  }
}
