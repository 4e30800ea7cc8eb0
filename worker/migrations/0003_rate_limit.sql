-- better-auth's rate-limit counters (rateLimit.storage "database"), as compiled by better-auth's own
-- getMigrations(); test/auth.test.ts fails if they drift from the auth config. In D1, so every
-- isolate counts against the same rows.
create table "rateLimit" ("id" text not null primary key, "key" text not null unique, "count" integer not null, "lastRequest" bigint not null);
