/**
 * npm start: the whole app locally without Docker. The worker on 127.0.0.1:8787 with its admin
 * console, the local Analytics Engine on 127.0.0.1:8788, an admin account and API key, and
 * simulated traffic.
 *
 *   npm start [-- --no-simulate] [-- --days 7 --users 50]
 * Ports: WORKER_PORT, LOCAL_AE_PORT. Admin: USAGE_LENS_ADMIN_EMAIL / USAGE_LENS_ADMIN_PASSWORD.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAdminKey, ROOT, signInAdmin, startStack } from './stack.ts';
import { buildConsole } from '../worker/ui/build.ts';

const { values } = parseArgs({
  options: {
    simulate: { type: 'boolean', default: true },
    'no-simulate': { type: 'boolean', default: false },
    days: { type: 'string', default: '7' },
    users: { type: 'string', default: '50' },
    verbose: { type: 'boolean', default: false },
  },
});

const devVars = path.join(ROOT, '.dev.vars');
if (!existsSync(devVars)) {
  copyFileSync(path.join(ROOT, '.dev.vars.example'), devVars);
  console.log('created .dev.vars from .dev.vars.example');
}

// wrangler builds the console too (wrangler.toml [build]), but quietly; here a build shows, and fails early.
await buildConsole();

const email = process.env.USAGE_LENS_ADMIN_EMAIL ?? 'admin@example.com';
const password = process.env.USAGE_LENS_ADMIN_PASSWORD ?? 'admin-password';
const stack = await startStack({
  workerPort: Number(process.env.WORKER_PORT ?? 8787),
  aePort: Number(process.env.LOCAL_AE_PORT ?? 8788),
  adminEmails: email,
  adminPassword: password,
  log: values.verbose ? (line) => console.log(line) : undefined,
});
const shutdown = async () => {
  console.log('\nstopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const admin = await signInAdmin(stack.workerUrl, email, password);
const stateDir = path.join(ROOT, '.usage-lens');
const credentialsFile = path.join(stateDir, 'credentials.json');
mkdirSync(stateDir, { recursive: true });
const saved = existsSync(credentialsFile)
  ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as { adminApiKey?: string }).adminApiKey
  : undefined;
const apiKey = await ensureAdminKey(stack.workerUrl, admin, saved, 'local Grafana');
writeFileSync(credentialsFile, JSON.stringify({ adminEmail: email, adminPassword: password, adminApiKey: apiKey }, null, 2), { mode: 0o600 });

console.log(`
Usage Lens is running
  admin console:     ${stack.workerUrl}/  (sign in as the admin below)
  worker:            ${stack.workerUrl}
  local AE:          ${stack.aeUrl}
  AE SQL API:        ${stack.sqlApiUrl}  (Bearer ${stack.aeToken})
  admin login:       ${email} / ${password === 'admin-password' ? 'admin-password' : '(USAGE_LENS_ADMIN_PASSWORD)'}
  admin API key:     in .usage-lens/credentials.json
  try:               curl -H "Authorization: Bearer $(node -p "require('./.usage-lens/credentials.json').adminApiKey")" '${stack.workerUrl}/api/admin/usage?period=24h'
`);

if (values.simulate && !values['no-simulate']) {
  const { runSimulatorCli } = await import('../local-analytics-engine/src/simulator.ts');
  await runSimulatorCli([
    '--url', stack.aeUrl,
    '--worker', stack.workerUrl,
    '--admin-email', email,
    '--admin-password', password,
    '--account', stack.accountId,
    '--token', stack.aeToken,
    '--days', values.days!,
    '--users', values.users!,
    // A restart keeps the history it has and only adds live traffic.
    '--once',
    '--live',
  ]);
}
