/**
 * Writes realistic usage through the local AE's write path, so dashboards have something to show:
 * N users in M orgs with heavy-tailed activity, the five events in app-like proportions, a daily
 * and weekly rhythm, some error statuses, history backfilled up to 30 days, optionally sampled rows
 * (_sample_interval > 1) and a live trickle afterwards.
 *
 * With --worker, users and orgs are created in the app for real (sign-up, admin API), so the usage
 * API shows their names; otherwise ids are synthetic.
 */
import { parseArgs } from 'node:util';
import { toDataPoint, USAGE_EVENTS, type UsageEvent } from '@usage-lens/contract';
import type { PointInput } from './points.ts';

export interface SimUser {
  id: string;
  orgId: string;
  /** Relative activity; heavy-tailed so a few users dominate, as in real apps. */
  weight: number;
}

export interface SimulatorOptions {
  aeUrl: string;
  /** The local AE's token: writes need it. */
  token: string;
  dataset: string;
  users: number;
  orgs: number;
  days: number;
  /** Mean events per user per day. */
  rate: number;
  /** Write 1 row per this many events, each carrying _sample_interval = this. */
  sampleInterval: number;
  seed: number;
  batchSize: number;
  now: number;
  progress: boolean;
}

/** Share of each event in the app's traffic. */
export const EVENT_MIX: Record<UsageEvent, number> = {
  sync: 0.3,
  sync_auth: 0.15,
  auth: 0.25,
  chat: 0.1,
  ingest: 0.2,
};

const OK_STATUS: Record<UsageEvent, number> = { sync: 101, sync_auth: 200, auth: 200, chat: 101, ingest: 201 };
const ERROR_STATUSES: Record<UsageEvent, number[]> = {
  sync: [426, 400],
  sync_auth: [401],
  auth: [401],
  chat: [426, 400],
  ingest: [400, 400, 400, 413],
};
const ERROR_RATE = 0.03;

/** mulberry32: small, fast and seedable, so a run can be repeated exactly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Relative traffic by hour of day (UTC): quiet at night, busiest mid-afternoon, quieter at weekends. */
export function rhythm(ms: number): number {
  const date = new Date(ms);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const daily = 0.15 + 0.85 * Math.max(0, Math.sin(((hour - 6) / 18) * Math.PI));
  const weekday = date.getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.45 : 1);
}

function pick<T extends string>(rand: () => number, shares: Record<T, number>): T {
  let r = rand();
  const entries = Object.entries(shares) as [T, number][];
  for (const [key, share] of entries) {
    r -= share;
    if (r < 0) return key;
  }
  return entries[entries.length - 1][0];
}

function poisson(rand: () => number, mean: number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

export function syntheticUsers(count: number, orgs: number, rand: () => number): SimUser[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `sim_user_${String(i + 1).padStart(3, '0')}`,
    orgId: orgs > 0 ? `sim_org_${(i % orgs) + 1}` : '',
    weight: 1 / Math.pow(rand() + 0.05, 1.2),
  }));
}

/** Generates the points of one hour of traffic. */
export function hourOfTraffic(users: readonly SimUser[], hourStart: number, options: Pick<SimulatorOptions, 'rate' | 'sampleInterval'>, rand: () => number): PointInput[] {
  const meanWeight = users.reduce((s, u) => s + u.weight, 0) / Math.max(1, users.length);
  // rhythm averages ~0.45 over a week; scale so each user's daily mean matches `rate`.
  const perHour = (options.rate / 24 / 0.45) * rhythm(hourStart);
  const points: PointInput[] = [];
  for (const user of users) {
    const events = poisson(rand, (perHour * user.weight) / meanWeight / options.sampleInterval);
    for (let i = 0; i < events; i++) {
      const event = pick(rand, EVENT_MIX);
      const failed = rand() < ERROR_RATE;
      const statuses = ERROR_STATUSES[event];
      const status = failed ? statuses[Math.floor(rand() * statuses.length)] : OK_STATUS[event];
      points.push({
        ...toDataPoint({ userId: user.id, event, orgId: user.orgId, status }),
        timestamp: Math.floor(hourStart + rand() * 3_600_000),
        _sample_interval: options.sampleInterval,
      });
    }
  }
  return points;
}

export async function writePoints(aeUrl: string, token: string, dataset: string, points: PointInput[]): Promise<void> {
  const res = await fetch(`${aeUrl.replace(/\/+$/, '')}/datasets/${encodeURIComponent(dataset)}/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ points }),
  });
  if (!res.ok) throw new Error(`local AE refused a batch (${res.status}): ${await res.text()}`);
}

function progressBar(done: number, total: number, written: number): string {
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / Math.max(1, total)) * 100)
    .toString()
    .padStart(3)}%  ${written.toLocaleString('en-US')} points`;
}

/** Backfills `days` of history up to `now`; returns the number of rows and of events they stand for. */
export async function backfill(users: readonly SimUser[], options: SimulatorOptions): Promise<{ rows: number; events: number }> {
  const rand = random(options.seed);
  const hour = 3_600_000;
  const end = Math.floor(options.now / hour) * hour;
  const start = end - options.days * 24 * hour;
  const hours = (end - start) / hour;
  let batch: PointInput[] = [];
  let rows = 0;
  let shown = -1;
  for (let h = 0; h < hours; h++) {
    for (const point of hourOfTraffic(users, start + h * hour, options, rand)) {
      // The current hour is only partly over: keep its points in the past.
      if ((point.timestamp as number) > options.now) continue;
      batch.push(point);
      if (batch.length >= options.batchSize) {
        await writePoints(options.aeUrl, options.token, options.dataset, batch);
        rows += batch.length;
        batch = [];
      }
    }
    const percent = Math.floor(((h + 1) / hours) * 100);
    if (options.progress && percent !== shown) {
      shown = percent;
      process.stderr.write(progressBar(h + 1, hours, rows + batch.length));
    }
  }
  if (batch.length) await writePoints(options.aeUrl, options.token, options.dataset, batch);
  rows += batch.length;
  if (options.progress) process.stderr.write('\n');
  return { rows, events: rows * options.sampleInterval };
}

/** Creates orgs and users in the app through its own API, so their names are real. */
export async function createAppUsers(workerUrl: string, adminEmail: string, adminPassword: string, count: number, orgs: number, rand: () => number): Promise<SimUser[]> {
  const base = workerUrl.replace(/\/+$/, '');
  const signIn = async (email: string, password: string, name: string): Promise<{ token: string; id: string }> => {
    const body = JSON.stringify({ email, password, name });
    // better-auth refuses cross-site auth posts; a script is same-origin with the app it drives.
    const headers = { 'content-type': 'application/json', origin: base };
    let res = await fetch(`${base}/api/auth/sign-in/email`, { method: 'POST', headers, body });
    if (res.status === 401) res = await fetch(`${base}/api/auth/sign-up/email`, { method: 'POST', headers, body });
    if (!res.ok) throw new Error(`sign-in as ${email} failed (${res.status}): ${await res.text()}`);
    const json = (await res.json()) as { user: { id: string } };
    return { token: res.headers.get('set-auth-token') ?? '', id: json.user.id };
  };
  const admin = await signIn(adminEmail, adminPassword, 'Admin');
  const auth = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
  const orgIds: string[] = [];
  const existing = (await (await fetch(`${base}/api/admin/orgs`, { headers: auth })).json()) as { orgs?: { id: string; name: string }[] };
  for (let i = 0; i < orgs; i++) {
    const name = `Simulated Org ${i + 1}`;
    const found = existing.orgs?.find((o) => o.name === name);
    if (found) {
      orgIds.push(found.id);
      continue;
    }
    const res = await fetch(`${base}/api/admin/orgs`, { method: 'POST', headers: auth, body: JSON.stringify({ name }) });
    if (!res.ok) throw new Error(`creating org ${name} failed (${res.status}): ${await res.text()}`);
    orgIds.push(((await res.json()) as { id: string }).id);
  }
  const users: SimUser[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(3, '0');
    const user = await signIn(`sim-${n}@example.com`, `simulated-password-${n}`, `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}`);
    const orgId = orgIds.length ? orgIds[i % orgIds.length] : '';
    if (orgId) {
      await fetch(`${base}/api/admin/users/${user.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ orgId }) });
    }
    users.push({ id: user.id, orgId, weight: 1 / Math.pow(rand() + 0.05, 1.2) });
  }
  return users;
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia', 'Dennis', 'Hedy'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth', 'Hamilton', 'Thompson', 'Perlman'];

/** Rows already in the dataset, through the SQL API (0 when it cannot tell). */
async function countRows(aeUrl: string, account: string, token: string, dataset: string): Promise<number> {
  const res = await fetch(`${aeUrl.replace(/\/+$/, '')}/client/v4/accounts/${encodeURIComponent(account)}/analytics_engine/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: `SELECT count() AS n FROM ${dataset} FORMAT JSON`,
  });
  if (!res.ok) return 0;
  return Number(((await res.json()) as { data: { n: string }[] }).data[0]?.n ?? 0);
}

export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.LOCAL_AE_URL ?? 'http://127.0.0.1:8788' },
      dataset: { type: 'string', default: 'usage_analytics' },
      users: { type: 'string', default: '50' },
      orgs: { type: 'string', default: '5' },
      days: { type: 'string', default: '7' },
      rate: { type: 'string', default: '40' },
      'sample-interval': { type: 'string', default: '1' },
      seed: { type: 'string', default: '42' },
      worker: { type: 'string' },
      'admin-email': { type: 'string', default: process.env.USAGE_LENS_ADMIN_EMAIL ?? 'admin@example.com' },
      'admin-password': { type: 'string', default: process.env.USAGE_LENS_ADMIN_PASSWORD ?? 'admin-password' },
      live: { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
      account: { type: 'string', default: process.env.LOCAL_AE_ACCOUNT_ID ?? 'local-account' },
      token: { type: 'string', default: process.env.LOCAL_AE_TOKEN ?? 'local-dev-token' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`local-analytics-engine simulate [options]
  --url URL              local AE (default http://127.0.0.1:8788)
  --dataset NAME         dataset to write (default usage_analytics)
  --users N --orgs M     simulated users and organisations (default 50, 5)
  --days D               days of history to backfill, at most 30 (default 7)
  --rate R               mean events per user per day (default 40)
  --sample-interval K    write one row per K events with _sample_interval=K (default 1)
  --seed S               random seed, for repeatable runs (default 42)
  --worker URL           create the users in the app there, so names show (needs the admin login)
  --live                 after the backfill, keep writing current traffic every 10 s
  --once                 skip the backfill when the dataset already has data (restarts)
  --account ID --token T the local AE's credentials: the token for writes, both for --once
                         (default LOCAL_AE_ACCOUNT_ID / LOCAL_AE_TOKEN, else the local defaults)`);
    return;
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const options: SimulatorOptions = {
    aeUrl: values.url!,
    token: values.token!,
    dataset: values.dataset!,
    users: int('users', values.users!, 1, 100_000),
    orgs: int('orgs', values.orgs!, 0, 10_000),
    days: int('days', values.days!, 0, 30),
    rate: int('rate', values.rate!, 1, 1_000_000),
    sampleInterval: int('sample-interval', values['sample-interval']!, 1, 1_000_000),
    seed: int('seed', values.seed!, 0, 2 ** 31),
    batchSize: 10_000,
    now: Date.now(),
    progress: process.stderr.isTTY || process.env.SIMULATOR_PROGRESS === '1',
  };
  const rand = random(options.seed + 1);
  const users = values.worker
    ? await createAppUsers(values.worker, values['admin-email']!, values['admin-password']!, options.users, options.orgs, rand)
    : syntheticUsers(options.users, options.orgs, rand);
  const existing = values.once ? await countRows(options.aeUrl, values.account!, values.token!, options.dataset) : 0;
  if (existing > 0) {
    console.log(`${options.dataset} already holds ${existing.toLocaleString('en-US')} rows: no backfill`);
  } else {
    console.log(`simulating ${users.length} users in ${options.orgs} orgs, ${options.days} days back, into ${options.dataset} at ${options.aeUrl}`);
    const { rows, events } = await backfill(users, options);
    console.log(`backfilled ${rows.toLocaleString('en-US')} rows standing for ${events.toLocaleString('en-US')} events`);
  }
  if (!values.live) return;
  const liveRand = random(options.seed + 2);
  const tick = 10_000;
  console.log('writing live traffic every 10 s (Ctrl-C to stop)');
  for (;;) {
    await new Promise((r) => setTimeout(r, tick));
    const now = Date.now();
    const points = hourOfTraffic(users, now - 3_600_000, options, liveRand)
      .filter(() => liveRand() < tick / 3_600_000)
      .map((p) => ({ ...p, timestamp: now }));
    if (points.length) await writePoints(options.aeUrl, options.token, options.dataset, points);
  }
}

export interface FillOptions {
  dataDir: string;
  dataset: string;
  users: number;
  days: number;
  now: number;
}

/**
 * The scale data set: every user makes one call of every event on every day of the window (users ×
 * 5 events × days points), in 1,000 organisations, about 3% of calls failing, at a time of day that
 * differs by user and event. It is computed inside ClickHouse, straight into the store, so 15 million
 * points take seconds rather than the minutes the write path would; no local AE may be running on
 * the same data directory (libchdb holds one per process).
 */
export async function fill(options: FillOptions): Promise<number> {
  const { Store } = await import('./store.ts');
  const events = USAGE_EVENTS.length;
  const count = options.users * events * options.days;
  const perUser = events * options.days;
  const nowSeconds = Math.floor(options.now / 1000);
  const user = `intDiv(number, ${perUser})`;
  const event = `intDiv(number % ${perUser}, ${options.days})`;
  const day = `number % ${options.days}`;
  const store = new Store(options.dataDir, { readConnections: 1 });
  try {
    await store.fillSynthetic(options.dataset, count, {
      dataset: `'${options.dataset}'`,
      timestamp: `toDateTime(${nowSeconds} - ${day} * 86400 - cityHash64(${user}, ${event}) % 86400)`,
      _sample_interval: '1',
      index1: `concat('scale_user_', toString(${user}))`,
      blob1: `[${USAGE_EVENTS.map((e) => `'${e}'`).join(', ')}][${event} + 1]`,
      blob2: `concat('org_', toString(${user} % 1000))`,
      double1: `if(cityHash64(number) % 33 = 0, 400, 200)`,
    });
  } finally {
    store.close();
  }
  return count;
}

export async function runFillCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      dataset: { type: 'string', default: 'usage_analytics' },
      users: { type: 'string', default: '100000' },
      days: { type: 'string', default: '30' },
    },
  });
  if (!values['data-dir']) throw new Error('--data-dir is required (the local AE data directory to fill)');
  const users = Number(values.users);
  const days = Number(values.days);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(days) || days < 1 || days > 90) {
    throw new Error('--users must be a positive whole number and --days 1 to 90');
  }
  const started = Date.now();
  const count = await fill({ dataDir: values['data-dir'], dataset: values.dataset!, users, days, now: Date.now() });
  console.log(`filled ${values.dataset} with ${count.toLocaleString('en-US')} points (${users.toLocaleString('en-US')} users × ${USAGE_EVENTS.length} events × ${days} days) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
