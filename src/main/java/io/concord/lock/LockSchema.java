package io.concord.lock;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables locks need, per dialect. The same statements are shipped as {@code
 * sql/lock/<dialect>.sql} for databases where the application may not create tables (a test keeps
 * the files and this class in step).
 *
 * <p>{@code concord_lock}: one row per lock name ever acquired on the database, never deleted. It
 * holds the fencing counter ({@code fence}, incremented and committed by every acquisition) and the
 * last holder for error messages; on H2 also the lease ({@code owner}, {@code lease_until}).
 *
 * <p>{@code concord_fence}: the guard rows {@link FenceGuard} keeps in the database whose writes it
 * protects: the highest token admitted per resource.
 */
final class LockSchema {
  private LockSchema() {}

  static List<String> statements(LockDialect dialect, String lockTable) {
    return switch (dialect) {
      case POSTGRESQL ->
          List.of(
              "create table if not exists "
                  + lockTable
                  + " (lock_key bigint primary key, lock_name varchar(500) not null,"
                  + " fence bigint not null, holder varchar(200),"
                  + " acquired_at timestamp with time zone, owner varchar(64),"
                  + " lease_until timestamp with time zone)",
              "create table if not exists concord_fence"
                  + " (resource varchar(200) primary key, token bigint not null)");
      case MARIADB ->
          List.of(
              "create table if not exists "
                  + lockTable
                  + " (lock_key bigint primary key, lock_name varchar(500) not null,"
                  + " fence bigint not null, holder varchar(200),"
                  + " acquired_at timestamp(6) null, owner varchar(64),"
                  + " lease_until timestamp(6) null) engine=InnoDB",
              "create table if not exists concord_fence"
                  + " (resource varchar(200) primary key, token bigint not null) engine=InnoDB");
      case H2 ->
          List.of(
              "create table if not exists "
                  + lockTable
                  + " (lock_key bigint primary key, lock_name varchar(500) not null,"
                  + " fence bigint not null, holder varchar(200),"
                  + " acquired_at timestamp with time zone, owner varchar(64),"
                  + " lease_until timestamp with time zone)",
              "create table if not exists concord_fence"
                  + " (resource varchar(200) primary key, token bigint not null)");
    };
  }

  /** The script as shipped in sql/lock/: one statement per line group, each ending in ';'. */
  static String script(LockDialect dialect) {
    StringBuilder out = new StringBuilder();
    out.append("-- Concord lock tables for ")
        .append(dialect)
        .append(" (generated from io.concord.lock.LockSchema; keep in step)\n");
    for (String statement : statements(dialect, "concord_lock")) {
      out.append(statement).append(";\n");
    }
    return out.toString();
  }

  static void create(Connection connection, LockDialect dialect, String lockTable)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements(dialect, lockTable)) {
        try {
          statement.execute(sql);
        } catch (SQLException e) {
          // PostgreSQL's IF NOT EXISTS is not safe against a concurrent creator: the loser gets a
          // unique violation on its catalog (23505) or duplicate_table (42P07). The object exists
          // now, so the same statement succeeds (and is a no-op) the second time.
          if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
            throw e;
          }
          statement.execute(sql);
        }
      }
    }
  }
}
