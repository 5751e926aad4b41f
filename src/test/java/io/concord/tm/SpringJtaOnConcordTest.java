package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.transaction.Status;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.jta.JtaTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Spring's JtaTransactionManager drives Concord through the standard interfaces only. */
class SpringJtaOnConcordTest {

  @Test
  void requiredRequiresNewAndRollbackOnlyThroughSpring() throws Exception {
    try (TestTm t = TestTm.open()) {
      JtaTransactionManager spring = new JtaTransactionManager(t.tm.userTransaction(), t.tm);
      spring.setTransactionSynchronizationRegistry(t.tm.transactionSynchronizationRegistry());
      spring.afterPropertiesSet();
      TransactionTemplate required = new TransactionTemplate(spring);
      TransactionTemplate requiresNew = new TransactionTemplate(spring);
      requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);

      required.executeWithoutResult(
          outer -> {
            try {
              t.tm.getTransaction().enlistResource(t.resource("outer"));
              Object outerTx = t.tm.getTransaction();
              requiresNew.executeWithoutResult(
                  inner -> {
                    try {
                      assertThat(t.tm.getTransaction()).isNotEqualTo(outerTx);
                      t.tm.getTransaction().enlistResource(t.resource("inner"));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
              assertThat(t.tm.getTransaction()).isEqualTo(outerTx);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      assertThat(t.journal.calls())
          .containsExactly(
              "outer.start",
              "inner.start",
              "inner.end(TMSUCCESS)",
              "inner.commit(1pc)",
              "outer.end(TMSUCCESS)",
              "outer.commit(1pc)");

      t.journal.clear();
      required.executeWithoutResult(
          status -> {
            try {
              t.tm.getTransaction().enlistResource(t.resource("doomed"));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            status.setRollbackOnly();
          });
      assertThat(t.journal.calls())
          .containsExactly("doomed.start", "doomed.end(TMFAIL)", "doomed.rollback");
      assertThat(t.tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }
  }
}
