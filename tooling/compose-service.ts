/**
 * The compose services that are more than one command, run from the stack runner so compose and
 * npm start run the same thing:
 *
 *   node tooling/compose-service.ts worker      wrangler dev on 0.0.0.0:$WORKER_PORT against $LOCAL_AE_URL
 *   node tooling/compose-service.ts bootstrap   admin account (verified) + admin API key, secrets into $SECRETS_DIR
 *
 * Both refuse to start when BETTER_AUTH_URL is not a localhost URL and a secret still has the
 * repository's default value (refuseDefaultSecrets).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SECRETS, ensureAdminKey, refuseDefaultSecrets, signInAdmin, startStack, waitFor } from './stack.ts';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const role = process.argv[2];

// A refusal is a message for whoever runs compose, not a stack trace.
process.on('uncaughtException', (error) => {
  console.error(`${role}: ${error.message}`);
  process.exit(1);
});

if (role === 'worker') {
  const stack = await startStack({
    host: '0.0.0.0',
    workerPort: Number(env('WORKER_PORT', '8787')),
    workerOnly: true,
    aeUrlForWorker: env('LOCAL_AE_URL'),
    stateDir: env('WRANGLER_STATE_DIR', '/state'),
    accountId: env('LOCAL_AE_ACCOUNT_ID', 'local-account'),
    aeToken: env('LOCAL_AE_TOKEN', DEFAULT_SECRETS.LOCAL_AE_TOKEN),
    adminEmails: env('ADMIN_EMAILS', 'admin@example.com'),
    vars: process.env.TRUSTED_ORIGINS ? { TRUSTED_ORIGINS: process.env.TRUSTED_ORIGINS } : {},
    log: (line) => console.log(line),
  });
  console.log(`worker ready on ${stack.workerUrl}`);
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else if (role === 'bootstrap') {
  const workerUrl = env('WORKER_URL');
  const secrets = env('SECRETS_DIR', '/run/usage-lens');
  const password = env('USAGE_LENS_ADMIN_PASSWORD', DEFAULT_SECRETS.USAGE_LENS_ADMIN_PASSWORD);
  const betterAuthSecret = env('BETTER_AUTH_SECRET', DEFAULT_SECRETS.BETTER_AUTH_SECRET);
  const aeToken = env('LOCAL_AE_TOKEN', DEFAULT_SECRETS.LOCAL_AE_TOKEN);
  refuseDefaultSecrets(env('BETTER_AUTH_URL'), { BETTER_AUTH_SECRET: betterAuthSecret, USAGE_LENS_ADMIN_PASSWORD: password, LOCAL_AE_TOKEN: aeToken });
  await waitFor(`${workerUrl}/health`, 'the worker', null, 180_000);
  const admin = await signInAdmin(workerUrl, env('USAGE_LENS_ADMIN_EMAIL', 'admin@example.com'), password, 'Admin', betterAuthSecret);
  mkdirSync(secrets, { recursive: true });
  const keyFile = path.join(secrets, 'admin-api-key');
  const saved = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const key = await ensureAdminKey(workerUrl, admin, saved, 'grafana (compose)');
  // Grafana runs as its own user in its container: the files must be readable by it.
  for (const [file, value] of [
    [keyFile, key],
    [path.join(secrets, 'ae-token'), aeToken],
  ]) {
    writeFileSync(file, value);
    chmodSync(file, 0o644);
  }
  console.log(`bootstrap: admin ${admin.email} ready; Grafana's secrets are in ${secrets}`);
} else {
  console.error('usage: node tooling/compose-service.ts worker|bootstrap');
  process.exit(2);
}
