-- Analytics Engine bills every SQL read (the Workers Free plan includes 10,000 a day), so the worker
-- counts the reads it makes per UTC day, and the usage API and the Grafana plugin show them.
create table "ae_read" (
  "day" text not null primary key,
  "reads" integer not null default 0
);
