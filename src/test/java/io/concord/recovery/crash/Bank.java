package io.concord.recovery.crash;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The crash bank: {@code account} and {@code transfer_leg} (the demo schema of sql/), the same
 * number of accounts with the same opening balance on every database, and the checks run after
 * every recovery. Account ids carry the index of their database: {@code index * 1_000_000 + k}.
 */
final class Bank {
  static final long OPENING_BALANCE = 1_000;
  static final long ACCOUNT_ID_SPAN = 1_000_000;

  private Bank() {}

  static long accountId(int databaseIndex, int k) {
    return databaseIndex * ACCOUNT_ID_SPAN + k;
  }

  static int databaseIndexOf(long accountId) {
    return (int) (accountId / ACCOUNT_ID_SPAN);
  }

  /** Creates the tables and opens {@code accounts} accounts on every database. */
  static void create(List<BankDatabase> databases, int accounts) throws SQLException {
    for (int i = 0; i < databases.size(); i++) {
      BankDatabase db = databases.get(i);
      String engine = db.kind() == io.concord.testing.DatabaseKind.MARIADB ? " engine=InnoDB" : "";
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute("create table account (id bigint primary key, balance bigint not null)" + engine);
        s.execute(
            "create table transfer_leg (transfer_id bigint not null, account_id bigint not null,"
                + " amount bigint not null, primary key (transfer_id, account_id))"
                + engine);
        try (PreparedStatement insert = c.prepareStatement("insert into account values (?, ?)")) {
          for (int k = 1; k <= accounts; k++) {
            insert.setLong(1, accountId(i, k));
            insert.setLong(2, OPENING_BALANCE);
            insert.executeUpdate();
          }
        }
      }
    }
  }

  /**
   * The last resource's audit rows against the legs: a transfer is audited exactly when its legs
   * are present, and every acknowledged transfer is audited.
   */
  static List<String> checkAudit(
      BankDatabase audit, List<BankDatabase> databases, Set<Long> acknowledged)
      throws SQLException {
    Set<Long> audited = new java.util.HashSet<>();
    try (Connection c = audit.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select transfer_id from transfer_audit")) {
      while (rs.next()) {
        audited.add(rs.getLong(1));
      }
    }
    Set<Long> withLegs = new java.util.HashSet<>();
    for (BankDatabase db : databases) {
      try (Connection c = db.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select distinct transfer_id from transfer_leg")) {
        while (rs.next()) {
          withLegs.add(rs.getLong(1));
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (long id : audited) {
      if (!withLegs.contains(id)) {
        problems.add("transfer " + id + " committed on the last resource but its legs are absent");
      }
    }
    for (long id : withLegs) {
      if (!audited.contains(id)) {
        problems.add("transfer " + id + " has its legs but the last resource has no audit row");
      }
    }
    for (long id : acknowledged) {
      if (!audited.contains(id)) {
        problems.add("acknowledged transfer " + id + " has no audit row on the last resource");
      }
    }
    return problems;
  }

  /** One leg as found in a database. */
  record Leg(long transferId, long accountId, long amount, int databaseIndex) {}

  /** A transfer as the child announced it before running it. */
  record Plan(long transferId, long from, long to, long amount) {}

  /** What the checks found: violations (Concord's or a driver's) and H2-only anomalies apart. */
  record Verdict(List<String> violations, List<String> h2Anomalies, int legs, int transfers) {
    boolean clean() {
      return violations.isEmpty() && h2Anomalies.isEmpty();
    }
  }

  /**
   * Checks the bank: every transfer wholly present (both legs, amounts cancelling) or wholly
   * absent; every account's balance equal to its opening balance plus its legs; the total
   * conserved; every acknowledged transfer present. A half-present transfer whose missing leg is on
   * H2, or an H2 account whose balance disagrees with its legs, is reported as an H2 anomalies (see
   * reference/h2-xa-crash-findings.md), everything else as a violation.
   */
  static Verdict check(
      List<BankDatabase> databases, int accounts, Map<Long, Plan> plans, Set<Long> acknowledged)
      throws SQLException {
    List<String> violations = new ArrayList<>();
    List<String> h2 = new ArrayList<>();
    Map<Long, List<Leg>> byTransfer = new HashMap<>();
    Map<Long, Long> legSumByAccount = new HashMap<>();
    long total = 0;
    int legCount = 0;
    for (int i = 0; i < databases.size(); i++) {
      BankDatabase db = databases.get(i);
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        try (ResultSet rs =
            s.executeQuery("select transfer_id, account_id, amount from transfer_leg")) {
          while (rs.next()) {
            Leg leg = new Leg(rs.getLong(1), rs.getLong(2), rs.getLong(3), i);
            if (databaseIndexOf(leg.accountId()) != i) {
              violations.add("leg " + leg + " is in the wrong database " + db.name());
            }
            byTransfer.computeIfAbsent(leg.transferId(), t -> new ArrayList<>()).add(leg);
            legSumByAccount.merge(leg.accountId(), leg.amount(), Long::sum);
            legCount++;
          }
        }
        int rows = 0;
        try (ResultSet rs = s.executeQuery("select id, balance from account")) {
          while (rs.next()) {
            rows++;
            long id = rs.getLong(1);
            long balance = rs.getLong(2);
            total += balance;
            long expected = OPENING_BALANCE + legSumByAccount.getOrDefault(id, 0L);
            if (balance != expected) {
              String problem =
                  "account "
                      + id
                      + " on "
                      + db.name()
                      + " has balance "
                      + balance
                      + " but opening balance plus its legs is "
                      + expected;
              (db.isH2() ? h2 : violations).add(problem);
            }
          }
        }
        if (rows != accounts) {
          violations.add(db.name() + " has " + rows + " accounts, expected " + accounts);
        }
      }
    }
    for (Map.Entry<Long, List<Leg>> e : byTransfer.entrySet()) {
      List<Leg> legs = e.getValue();
      long sum = legs.stream().mapToLong(Leg::amount).sum();
      if (legs.size() == 2 && sum == 0) {
        continue;
      }
      Plan plan = plans.get(e.getKey());
      String problem = "transfer " + e.getKey() + " is half present: " + legs + ", plan " + plan;
      if (legs.size() == 1 && plan != null) {
        long present = legs.get(0).accountId();
        long missing = present == plan.from() ? plan.to() : plan.from();
        BankDatabase missingDb = databases.get(databaseIndexOf(missing));
        (missingDb.isH2() ? h2 : violations).add(problem + "; missing leg on " + missingDb.name());
      } else {
        violations.add(problem);
      }
    }
    for (long id : acknowledged) {
      if (!byTransfer.containsKey(id)) {
        violations.add(
            "acknowledged transfer " + id + " is absent (lost commit), plan " + plans.get(id));
      }
    }
    long expectedTotal = OPENING_BALANCE * accounts * databases.size();
    if (total != expectedTotal && h2.isEmpty()) {
      violations.add("total balance " + total + ", expected " + expectedTotal);
    }
    return new Verdict(violations, h2, legCount, byTransfer.size());
  }
}
