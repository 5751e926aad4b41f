-- Concord lock tables for POSTGRESQL (generated from io.concord.lock.LockSchema; keep in step)
create table if not exists concord_lock (lock_key bigint primary key, lock_name varchar(500) not null, fence bigint not null, holder varchar(200), acquired_at timestamp with time zone, owner varchar(64), lease_until timestamp with time zone);
create table if not exists concord_fence (resource varchar(200) primary key, token bigint not null);
