package sample;

import io.concord.shard.ShardedDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Plain JDBC; the sharded data source picks each account's database by its id. */
final class JdbcBank implements Bank {
  private final ShardedDataSource accounts;

  JdbcBank(ShardedDataSource accounts) {
    this.accounts = accounts;
  }

  @Override
  public void open(long account, long balance) {
    update(account, "insert into account (id, balance) values (?, ?)", account, balance);
  }

  @Override
  public void transfer(long from, long to, long amount) throws InsufficientFunds {
    if (update(from, "update account set balance = balance - ? where id = ? and balance >= ?",
            amount, from, amount) == 0) {
      throw new InsufficientFunds(from);
    }
    update(to, "update account set balance = balance + ? where id = ?", amount, to);
  }

  @Override
  public long balance(long account) {
    try (Connection c = accounts.connectionFor(account);
        PreparedStatement s = c.prepareStatement("select balance from account where id = ?")) {
      s.setLong(1, account);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private int update(long shardKey, String sql, long... params) {
    try (Connection c = accounts.connectionFor(shardKey);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        s.setLong(i + 1, params[i]);
      }
      return s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
