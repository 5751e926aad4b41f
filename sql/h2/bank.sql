-- The sample bank of `concord demo`, H2 dialect. Run on every shard.
create table if not exists account (
  id      bigint primary key,
  balance bigint not null
);
-- One row per leg of a transfer, on the shard of the leg's account: a transfer is whole when both
-- of its legs exist, and absent when neither does (the crash tests check exactly that).
create table if not exists transfer_leg (
  transfer_id bigint not null,
  account_id  bigint not null,
  amount      bigint not null,
  primary key (transfer_id, account_id)
);
-- Interest runs, on the lock database only: the fencing token of the lock holder that posted it.
create table if not exists interest_run (
  run_id bigint primary key,
  fence  bigint not null,
  total  bigint not null
);
