-- Concord lock tables for MARIADB (generated from io.concord.lock.LockSchema; keep in step)
create table if not exists concord_lock (lock_key bigint primary key, lock_name varchar(500) not null, fence bigint not null, holder varchar(200), acquired_at timestamp(6) null, owner varchar(64), lease_until timestamp(6) null) engine=InnoDB;
create table if not exists concord_fence (resource varchar(200) primary key, token bigint not null) engine=InnoDB;
