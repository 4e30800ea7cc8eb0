import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { signInAdmin, startStack, type Admin, type Stack, type StackOptions } from '@usage-lens/tooling/stack';

/**
 * The stack npm test shares between suites (tooling/test.ts starts it and names it in the env), or
 * a fresh one when a file runs alone. A suite that breaks its stack (`own: true`: stopping the local
 * AE) or needs other settings (a limits mode) always starts a fresh one.
 */
export function useStack(options: { own?: boolean } & Pick<StackOptions, 'limitsMode'> = {}): { stack: () => Stack; admin: () => Admin } {
  const env = process.env;
  const { own, ...settings } = options;
  if (!own && settings.limitsMode === undefined && env.USAGE_LENS_WORKER_URL) {
    const accountId = env.USAGE_LENS_ACCOUNT_ID!;
    const stack: Stack = {
      workerUrl: env.USAGE_LENS_WORKER_URL,
      aeUrl: env.USAGE_LENS_AE_URL!,
      accountId,
      aeToken: env.USAGE_LENS_AE_TOKEN!,
      sqlApiUrl: `${env.USAGE_LENS_AE_URL}/client/v4/accounts/${accountId}/analytics_engine/sql`,
      stopAnalyticsEngine: () => Promise.reject(new Error('the shared stack cannot be broken: useStack({ own: true })')),
      stop: () => Promise.resolve(),
    };
    // The session of the admin the runner signed in: no sign-in per file (sign-ins are throttled).
    const admin: Admin = { email: env.USAGE_LENS_ADMIN_EMAIL!, token: env.USAGE_LENS_ADMIN_TOKEN!, userId: env.USAGE_LENS_ADMIN_USER_ID! };
    return { stack: () => stack, admin: () => admin };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-e2e-'));
  let stack: Stack;
  let admin: Admin;
  beforeAll(async () => {
    stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir: path.join(dir, 'ae'), adminEmails: 'admin@example.com', ...settings });
    admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { stack: () => stack, admin: () => admin };
}
