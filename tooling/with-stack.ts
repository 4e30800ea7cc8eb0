/**
 * Runs a command against a fresh local stack (its own ports and data), for test suites that are
 * not Node (the Go integration tests) or that share one stack (the provisioning proofs):
 *
 *   node tooling/with-stack.ts -- go test -tags integration ./...
 *
 * The command gets USAGE_LENS_WORKER_URL, USAGE_LENS_ADMIN_KEY, USAGE_LENS_AE_URL,
 * USAGE_LENS_ACCOUNT_ID and USAGE_LENS_AE_TOKEN; the stack stops when it exits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey, signInAdmin, startStack } from './stack.ts';

const separator = process.argv.indexOf('--');
const command = separator === -1 ? process.argv.slice(2) : process.argv.slice(separator + 1);
if (command.length === 0) {
  console.error('usage: node tooling/with-stack.ts -- <command> [args…]');
  process.exit(2);
}

const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-stack-'));
const stack = await startStack({
  stateDir: path.join(dir, 'state'),
  aeDataDir: path.join(dir, 'ae'),
  adminEmails: 'admin@example.com',
  log: process.env.STACK_VERBOSE ? (line) => console.error(line) : undefined,
});
let code = 1;
try {
  const admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
  const adminKey = await createApiKey(stack.workerUrl, admin, 'test suite', 'admin');
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      USAGE_LENS_WORKER_URL: stack.workerUrl,
      USAGE_LENS_ADMIN_KEY: adminKey,
      USAGE_LENS_AE_URL: stack.aeUrl,
      USAGE_LENS_ACCOUNT_ID: stack.accountId,
      USAGE_LENS_AE_TOKEN: stack.aeToken,
    },
  });
  code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
