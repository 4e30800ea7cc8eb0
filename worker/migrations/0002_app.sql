-- The app's own tables: organisations, machine API keys and ingested items.
create table "organization" (
  "id" text not null primary key,
  "name" text not null unique,
  "createdAt" integer not null
);

-- Keys are shown once at creation; only their SHA-256 is kept. "userId" is who the key acts as:
-- its calls are tracked as that user's.
create table "api_key" (
  "id" text not null primary key,
  "name" text not null,
  "scope" text not null check ("scope" in ('admin', 'ingest')),
  "keyHash" text not null unique,
  "prefix" text not null,
  "userId" text not null references "user" ("id") on delete cascade,
  "createdBy" text not null,
  "createdAt" integer not null,
  "lastUsedAt" integer,
  "revokedAt" integer
);

create index "api_key_userId_idx" on "api_key" ("userId");

create table "ingest_item" (
  "id" text not null primary key,
  "userId" text not null references "user" ("id") on delete cascade,
  "orgId" text not null default '',
  "type" text not null,
  "payload" text not null,
  "occurredAt" integer not null,
  "createdAt" integer not null
);

create index "ingest_item_user_idx" on "ingest_item" ("userId", "createdAt");
