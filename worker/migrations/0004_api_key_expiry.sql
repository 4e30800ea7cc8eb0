-- An optional end to an API key's life (epoch ms); null keeps it until revoked.
alter table "api_key" add column "expiresAt" integer;
