package sample.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.concord.tm.ConcordTransactionManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(
    properties = {
      "concord.log-dir=target/test-log",
      "sample.orders-url=jdbc:h2:mem:orders;DB_CLOSE_DELAY=-1",
      "sample.inventory-url=jdbc:h2:mem:inventory;DB_CLOSE_DELAY=-1"
    })
class SpringBootSampleTest {
  @Autowired OrderService service;
  @Autowired ConcordTransactionManager tm;

  @Test
  void ordersCommitAcrossBothDatabasesOrNotAtAll() {
    service.setUp();
    service.placeOrder(1, "widget", 4);
    assertThat(service.orders()).isEqualTo(1);
    assertThat(service.stock("widget")).isEqualTo(6);
    assertThat(tm.statistics().committedTwoPhase()).isPositive();

    assertThatThrownBy(() -> service.placeOrder(2, "widget", 50))
        .hasMessageContaining("not enough widget");
    assertThat(service.orders()).as("the order row rolled back with the stock update").isEqualTo(1);
    assertThat(service.stock("widget")).isEqualTo(6);
  }
}
