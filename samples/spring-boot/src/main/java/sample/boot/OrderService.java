package sample.boot;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Places an order in one database and reserves stock in another, atomically. */
@Service
public class OrderService {
  private final JdbcTemplate orders;
  private final JdbcTemplate inventory;

  OrderService(
      @Qualifier("ordersJdbc") JdbcTemplate orders,
      @Qualifier("inventoryJdbc") JdbcTemplate inventory) {
    this.orders = orders;
    this.inventory = inventory;
  }

  @Transactional
  public void setUp() {
    orders.execute("create table if not exists orders (id bigint primary key, item varchar(20))");
    inventory.execute("create table if not exists stock (item varchar(20) primary key, qty int)");
    inventory.update("merge into stock key (item) values ('widget', 10)");
  }

  /** Both rows or neither: an exception after the first write rolls back both databases. */
  @Transactional
  public void placeOrder(long id, String item, int qty) {
    orders.update("insert into orders (id, item) values (?, ?)", id, item);
    int reserved =
        inventory.update("update stock set qty = qty - ? where item = ? and qty >= ?", qty, item, qty);
    if (reserved != 1) {
      throw new IllegalStateException("not enough " + item + " for order " + id);
    }
  }

  public int stock(String item) {
    return inventory.queryForObject("select qty from stock where item = ?", Integer.class, item);
  }

  public int orders() {
    return orders.queryForObject("select count(*) from orders", Integer.class);
  }
}
