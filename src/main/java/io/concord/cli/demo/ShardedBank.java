package io.concord.cli.demo;

import io.concord.lock.LockService;
import io.concord.lock.TransactionLock;
import io.concord.shard.ShardedDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/** {@link BankService} over a sharded data source; made transactional by a proxy. */
public final class ShardedBank implements BankService {
  static final Duration LOCK_WAIT = Duration.ofSeconds(5);

  private final ShardedDataSource shards;
  private final LockService locks;
  private final DataSource lockDatabase;

  public ShardedBank(ShardedDataSource shards, LockService locks, DataSource lockDatabase) {
    this.shards = shards;
    this.locks = locks;
    this.lockDatabase = lockDatabase;
  }

  @Override
  public void transfer(long transferId, long from, long to, long amount)
      throws InsufficientFundsException {
    try {
      // Ascending account order on every path: a global lock order means no distributed deadlock.
      if (from < to) {
        debit(from, amount);
        credit(to, amount);
      } else {
        credit(to, amount);
        debit(from, amount);
      }
      leg(transferId, from, -amount);
      leg(transferId, to, amount);
    } catch (SQLException e) {
      throw new IllegalStateException("transfer " + transferId + " failed: " + e.getMessage(), e);
    }
  }

  private void debit(long account, long amount) throws SQLException, InsufficientFundsException {
    try (Connection c = shards.connectionFor(account);
        PreparedStatement s =
            c.prepareStatement(
                "update account set balance = balance - ? where id = ? and balance >= ?")) {
      s.setLong(1, amount);
      s.setLong(2, account);
      s.setLong(3, amount);
      if (s.executeUpdate() != 1) {
        throw new InsufficientFundsException(account, amount);
      }
    }
  }

  private void credit(long account, long amount) throws SQLException {
    try (Connection c = shards.connectionFor(account);
        PreparedStatement s =
            c.prepareStatement("update account set balance = balance + ? where id = ?")) {
      s.setLong(1, amount);
      s.setLong(2, account);
      if (s.executeUpdate() != 1) {
        throw new IllegalStateException("no account " + account);
      }
    }
  }

  private void leg(long transferId, long account, long amount) throws SQLException {
    try (Connection c = shards.connectionFor(account);
        PreparedStatement s =
            c.prepareStatement(
                "insert into transfer_leg (transfer_id, account_id, amount) values (?, ?, ?)")) {
      s.setLong(1, transferId);
      s.setLong(2, account);
      s.setLong(3, amount);
      s.executeUpdate();
    }
  }

  @Override
  public long postInterest(long runId, long[] accounts, long amountEach) {
    TransactionLock lock = locks.acquireForTransaction("interest", LOCK_WAIT);
    try {
      for (long account : accounts) { // callers pass them sorted: the same global lock order
        credit(account, amountEach);
      }
      try (Connection c = lockDatabase.getConnection();
          PreparedStatement s =
              c.prepareStatement(
                  "insert into interest_run (run_id, fence, total) values (?, ?, ?)")) {
        s.setLong(1, runId);
        s.setLong(2, lock.fencingToken());
        s.setLong(3, amountEach * accounts.length);
        s.executeUpdate();
      }
      return lock.fencingToken();
    } catch (SQLException e) {
      throw new IllegalStateException("interest run " + runId + " failed: " + e.getMessage(), e);
    }
  }
}
