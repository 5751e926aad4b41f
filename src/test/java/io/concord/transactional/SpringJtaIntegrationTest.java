package io.concord.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.concord.jdbc.ConcordDataSource;
import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import jakarta.transaction.Transactional.TxType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * Spring's JtaTransactionManager, given a JTA TransactionManager and UserTransaction, drives Spring
 * beans annotated with Spring's and with Jakarta's {@code @Transactional} across two XA databases
 * (H2, pooled and enlisted by Concord's DataSource): both commit together or neither does, on
 * Concord's TransactionManager and on Narayana's. A service made transactional by {@link
 * TransactionalServices} joins the transactions Spring begins.
 */
class SpringJtaIntegrationTest {

  @Configuration
  @EnableTransactionManagement
  static class TransactionConfiguration {}

  /** Writes a debit to database A and a credit to database B. */
  public static class Transfers {
    private final JdbcTemplate debits;
    private final JdbcTemplate credits;

    public Transfers(JdbcTemplate debits, JdbcTemplate credits) {
      this.debits = debits;
      this.credits = credits;
    }

    void write(String id) {
      debits.update("insert into debit(id) values (?)", id);
      credits.update("insert into credit(id) values (?)", id);
    }
  }

  public static class SpringAnnotatedTransfers extends Transfers {
    public SpringAnnotatedTransfers(JdbcTemplate debits, JdbcTemplate credits) {
      super(debits, credits);
    }

    @org.springframework.transaction.annotation.Transactional
    public void transfer(String id, RuntimeException failure) {
      write(id);
      if (failure != null) {
        throw failure;
      }
    }

    /** Spring's default: a checked exception commits. */
    @org.springframework.transaction.annotation.Transactional
    public void transferThenThrowChecked(String id, Exception failure) throws Exception {
      write(id);
      throw failure;
    }
  }

  public static class JakartaAnnotatedTransfers extends Transfers {
    private final JdbcTemplate audit;

    public JakartaAnnotatedTransfers(JdbcTemplate debits, JdbcTemplate credits) {
      super(debits, credits);
      this.audit = debits;
    }

    @jakarta.transaction.Transactional
    public void transfer(String id, RuntimeException failure) {
      write(id);
      if (failure != null) {
        throw failure;
      }
    }

    @jakarta.transaction.Transactional(rollbackOn = Exception.class)
    public void transferThenThrowChecked(String id, Exception failure) throws Exception {
      write(id);
      throw failure;
    }

    @jakarta.transaction.Transactional(dontRollbackOn = IllegalStateException.class)
    public void transferThenThrowTolerated(String id, IllegalStateException failure) {
      write(id);
      throw failure;
    }

    @jakarta.transaction.Transactional(TxType.REQUIRES_NEW)
    public void auditInNewTransaction(String id) {
      audit.update("insert into audit(id) values (?)", id);
    }

    @jakarta.transaction.Transactional(TxType.MANDATORY)
    public void mandatory(String id) {
      write(id);
    }
  }

  /** Spring-annotated, calling the Jakarta-annotated bean and a Concord-proxied service. */
  public static class Orchestrator {
    private final JakartaAnnotatedTransfers jakarta;
    private final Ledger ledger;
    private final JdbcTemplate credits;

    public Orchestrator(JakartaAnnotatedTransfers jakarta, Ledger ledger, JdbcTemplate credits) {
      this.jakarta = jakarta;
      this.ledger = ledger;
      this.credits = credits;
    }

    @org.springframework.transaction.annotation.Transactional
    public void creditWithAuditThenFail(String id, RuntimeException failure) {
      jakarta.auditInNewTransaction(id);
      credits.update("insert into credit(id) values (?)", id);
      throw failure;
    }

    @org.springframework.transaction.annotation.Transactional
    public void recordThroughConcordProxy(String id, RuntimeException failure) {
      ledger.record(id);
      if (failure != null) {
        throw failure;
      }
    }
  }

  public interface Ledger {
    void record(String id);
  }

  /** Made transactional by TransactionalServices, not by Spring. */
  public static class LedgerImplementation implements Ledger {
    private final JdbcTemplate debits;
    private final JdbcTemplate credits;

    public LedgerImplementation(JdbcTemplate debits, JdbcTemplate credits) {
      this.debits = debits;
      this.credits = credits;
    }

    @Override
    @jakarta.transaction.Transactional(TxType.MANDATORY)
    public void record(String id) {
      debits.update("insert into debit(id) values (?)", id);
      credits.update("insert into credit(id) values (?)", id);
    }
  }

  /** Per TransactionManager: two databases, their DataSources and the Spring context. */
  private static final class Fixture implements AutoCloseable {
    final TestDatabase databaseA = TestDatabase.create(DatabaseKind.H2_MEM);
    final TestDatabase databaseB = TestDatabase.create(DatabaseKind.H2_MEM);
    final ConcordDataSource dataSourceA;
    final ConcordDataSource dataSourceB;
    final AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();

    Fixture(TransactionManagerUnderTest tm) {
      databaseA.execute(
          "create table debit(id varchar(40) primary key)",
          "create table audit(id varchar(40) primary key)");
      databaseB.execute("create table credit(id varchar(40) primary key)");
      dataSourceA = dataSource(tm, databaseA);
      dataSourceB = dataSource(tm, databaseB);
      JdbcTemplate debits = new JdbcTemplate(dataSourceA);
      JdbcTemplate credits = new JdbcTemplate(dataSourceB);
      Ledger ledger =
          TransactionalServices.using(tm.transactionManager())
              .proxy(Ledger.class, new LedgerImplementation(debits, credits));

      context.register(TransactionConfiguration.class);
      context.registerBean(
          "transactionManager",
          PlatformTransactionManager.class,
          () -> new JtaTransactionManager(tm.userTransaction(), tm.transactionManager()));
      context.registerBean(
          SpringAnnotatedTransfers.class, () -> new SpringAnnotatedTransfers(debits, credits));
      context.registerBean(
          JakartaAnnotatedTransfers.class, () -> new JakartaAnnotatedTransfers(debits, credits));
      context.registerBean(
          Orchestrator.class,
          () ->
              new Orchestrator(context.getBean(JakartaAnnotatedTransfers.class), ledger, credits));
      context.refresh();
    }

    private static ConcordDataSource dataSource(
        TransactionManagerUnderTest tm, TestDatabase database) {
      return ConcordDataSource.builder(database.xaDataSource())
          .resourceName(database.name())
          .transactionManager(tm.transactionManager())
          .synchronizationRegistry(tm.synchronizationRegistry())
          .minSize(0)
          .maxSize(4)
          .build();
    }

    boolean debited(String id) {
      return databaseA.queryLong("select count(*) from debit where id = '" + id + "'") == 1;
    }

    boolean credited(String id) {
      return databaseB.queryLong("select count(*) from credit where id = '" + id + "'") == 1;
    }

    boolean audited(String id) {
      return databaseA.queryLong("select count(*) from audit where id = '" + id + "'") == 1;
    }

    @Override
    public void close() {
      context.close();
      dataSourceA.close();
      dataSourceB.close();
      databaseA.close();
      databaseB.close();
    }
  }

  private static final Map<String, Fixture> FIXTURES = new ConcurrentHashMap<>();
  private static final AtomicInteger IDS = new AtomicInteger();

  static List<TransactionManagerUnderTest> transactionManagers() {
    return TransactionManagerUnderTest.all();
  }

  private static Fixture fixture(TransactionManagerUnderTest tm) {
    return FIXTURES.computeIfAbsent(tm.toString(), name -> new Fixture(tm));
  }

  private static String newId() {
    return "t" + IDS.incrementAndGet();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("transactionManagers")
  void springAnnotatedBeanCommitsBothDatabasesOrNeither(TransactionManagerUnderTest tm) {
    Fixture fixture = fixture(tm);
    SpringAnnotatedTransfers transfers = fixture.context.getBean(SpringAnnotatedTransfers.class);

    String committed = newId();
    transfers.transfer(committed, null);
    assertThat(fixture.debited(committed)).isTrue();
    assertThat(fixture.credited(committed)).isTrue();

    String rolledBack = newId();
    RuntimeException failure = new IllegalStateException("after both writes");
    assertThat(catchThrowable(() -> transfers.transfer(rolledBack, failure))).isSameAs(failure);
    assertThat(fixture.debited(rolledBack)).isFalse();
    assertThat(fixture.credited(rolledBack)).isFalse();

    String checked = newId();
    Exception checkedFailure = new Exception("Spring commits on checked exceptions");
    assertThat(catchThrowable(() -> transfers.transferThenThrowChecked(checked, checkedFailure)))
        .isSameAs(checkedFailure);
    assertThat(fixture.debited(checked)).isTrue();
    assertThat(fixture.credited(checked)).isTrue();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("transactionManagers")
  void jakartaAnnotatedBeanFollowsItsRollbackRules(TransactionManagerUnderTest tm) {
    Fixture fixture = fixture(tm);
    JakartaAnnotatedTransfers transfers = fixture.context.getBean(JakartaAnnotatedTransfers.class);

    String committed = newId();
    transfers.transfer(committed, null);
    assertThat(fixture.debited(committed)).isTrue();
    assertThat(fixture.credited(committed)).isTrue();

    String rolledBack = newId();
    assertThat(catchThrowable(() -> transfers.transfer(rolledBack, new IllegalStateException())))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fixture.debited(rolledBack)).isFalse();
    assertThat(fixture.credited(rolledBack)).isFalse();

    String checked = newId();
    Exception checkedFailure = new Exception("rollbackOn = Exception");
    assertThat(catchThrowable(() -> transfers.transferThenThrowChecked(checked, checkedFailure)))
        .isSameAs(checkedFailure);
    assertThat(fixture.debited(checked)).isFalse();
    assertThat(fixture.credited(checked)).isFalse();

    String tolerated = newId();
    assertThat(
            catchThrowable(
                () -> transfers.transferThenThrowTolerated(tolerated, new IllegalStateException())))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fixture.debited(tolerated)).as("dontRollbackOn").isTrue();
    assertThat(fixture.credited(tolerated)).isTrue();

    assertThat(catchThrowable(() -> transfers.mandatory(newId())))
        .as("MANDATORY without a transaction")
        .isInstanceOf(org.springframework.transaction.IllegalTransactionStateException.class);
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("transactionManagers")
  void requiresNewInsideSpringTransactionSurvivesTheOuterRollback(TransactionManagerUnderTest tm) {
    Fixture fixture = fixture(tm);
    Orchestrator orchestrator = fixture.context.getBean(Orchestrator.class);
    String id = newId();
    RuntimeException failure = new IllegalStateException("outer fails");

    assertThat(catchThrowable(() -> orchestrator.creditWithAuditThenFail(id, failure)))
        .isSameAs(failure);
    assertThat(fixture.audited(id)).as("REQUIRES_NEW committed on its own").isTrue();
    assertThat(fixture.credited(id)).as("outer rolled back").isFalse();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("transactionManagers")
  void concordProxiedServiceJoinsSpringsTransaction(TransactionManagerUnderTest tm) {
    Fixture fixture = fixture(tm);
    Orchestrator orchestrator = fixture.context.getBean(Orchestrator.class);

    String committed = newId();
    orchestrator.recordThroughConcordProxy(committed, null);
    assertThat(fixture.debited(committed)).isTrue();
    assertThat(fixture.credited(committed)).isTrue();

    String rolledBack = newId();
    RuntimeException failure = new IllegalArgumentException("Spring's method fails afterwards");
    assertThat(catchThrowable(() -> orchestrator.recordThroughConcordProxy(rolledBack, failure)))
        .isSameAs(failure);
    assertThat(fixture.debited(rolledBack)).isFalse();
    assertThat(fixture.credited(rolledBack)).isFalse();
  }

  @AfterAll
  static void closeFixtures() {
    FIXTURES.values().forEach(Fixture::close);
    FIXTURES.clear();
  }
}
