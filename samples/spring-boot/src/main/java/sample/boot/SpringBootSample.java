package sample.boot;

import io.concord.jdbc.ConcordDataSource;
import io.concord.log.LogException;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.recovery.InFlightTransactions;
import io.concord.recovery.RecoveryManager;
import io.concord.recovery.RecoveryOptions;
import io.concord.tm.ConcordTransactionManager;
import java.nio.file.Path;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * Spring Boot with Concord as its JTA transaction manager: Spring's {@code @Transactional} (and
 * Jakarta's) on {@link OrderService} spans two databases, committed by two-phase commit.
 */
@SpringBootApplication
public class SpringBootSample {

  public static void main(String[] args) {
    SpringApplication.run(SpringBootSample.class, args);
  }

  @Bean(destroyMethod = "close")
  TransactionLog transactionLog(
      @Value("${concord.log-dir}") Path logDir, @Value("${concord.node-id}") String nodeId)
      throws LogException {
    return TransactionLog.open(LogOptions.builder(logDir).nodeId(nodeId).build());
  }

  @Bean(destroyMethod = "close")
  ConcordTransactionManager concordTransactionManager(
      TransactionLog log, @Value("${concord.node-id}") String nodeId) {
    return ConcordTransactionManager.builder(log).nodeId(nodeId).build();
  }

  /** Recovery starts once the data sources have registered (initMethod runs after them). */
  @Bean(destroyMethod = "close")
  RecoveryManager recoveryManager(
      TransactionLog log, ConcordTransactionManager tm, @Value("${concord.node-id}") String nodeId) {
    return new RecoveryManager(log, RecoveryOptions.builder(nodeId).build(), InFlightTransactions.of(tm));
  }

  /** Spring's transaction infrastructure, driven by Concord. */
  @Bean
  JtaTransactionManager transactionManager(ConcordTransactionManager tm) {
    return new JtaTransactionManager(tm.userTransaction(), tm);
  }

  @Bean(destroyMethod = "close")
  @Primary
  ConcordDataSource orders(
      ConcordTransactionManager tm, RecoveryManager recovery, @Value("${sample.orders-url}") String url) {
    return pooled("orders", url, tm, recovery);
  }

  @Bean(destroyMethod = "close")
  ConcordDataSource inventory(
      ConcordTransactionManager tm, RecoveryManager recovery, @Value("${sample.inventory-url}") String url) {
    return pooled("inventory", url, tm, recovery);
  }

  @Bean
  JdbcTemplate ordersJdbc(@Qualifier("orders") ConcordDataSource orders) {
    return new JdbcTemplate(orders);
  }

  @Bean
  JdbcTemplate inventoryJdbc(@Qualifier("inventory") ConcordDataSource inventory) {
    return new JdbcTemplate(inventory);
  }

  @Bean
  RecoveryStarter recoveryStarter(
      RecoveryManager recovery,
      @Qualifier("orders") ConcordDataSource orders,
      @Qualifier("inventory") ConcordDataSource inventory) {
    return new RecoveryStarter(recovery);
  }

  private static ConcordDataSource pooled(
      String name, String url, ConcordTransactionManager tm, RecoveryManager recovery) {
    JdbcDataSource xa = new JdbcDataSource();
    xa.setURL(url);
    xa.setUser("sa");
    return ConcordDataSource.builder(xa)
        .resourceName(name)
        .transactionManager(tm)
        .synchronizationRegistry(tm.transactionSynchronizationRegistry())
        .recoveryRegistry(recovery)
        .maxSize(8)
        .build();
  }

  /** Runs start-up recovery after every data source has registered, before the app serves. */
  static final class RecoveryStarter {
    RecoveryStarter(RecoveryManager recovery) {
      recovery.start();
    }
  }
}
