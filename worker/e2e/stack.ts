import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { signInAdmin, startStack, type Admin, type Stack, type StackOptions } from '@usage-lens/tooling/stack';

/** A fresh stack (own ports and data) and its signed-in admin for the calling test file. */
export function useStack(options: Pick<StackOptions, 'limitsMode'> = {}): { stack: () => Stack; admin: () => Admin } {
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-e2e-'));
  let stack: Stack;
  let admin: Admin;
  beforeAll(async () => {
    stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir: path.join(dir, 'ae'), adminEmails: 'admin@example.com', ...options });
    admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { stack: () => stack, admin: () => admin };
}
