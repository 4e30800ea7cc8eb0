-- Rate-limit tiers that admins give a user or an organisation (contract: LIMIT_TIERS). A user's own
-- tier beats their organisation's; without either they are `standard`. Subjects are checked to exist
-- when a tier is set; a row left behind by a deleted user or organisation applies to no one.
create table "limit_tier" (
  "subjectType" text not null check ("subjectType" in ('user', 'org')),
  "subjectId" text not null,
  "tier" text not null check ("tier" in ('standard', 'high')),
  "updatedBy" text not null,
  "updatedAt" integer not null,
  primary key ("subjectType", "subjectId")
);
