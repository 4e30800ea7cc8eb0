// Runs in Node: the local Analytics Engine the worker under test writes to and queries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromEnv, startLocalAe } from '@usage-lens/local-analytics-engine/server';
import { startFaultServer } from './fault-server.ts';

export default async function () {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'usage-lens-worker-test-'));
  const ae = await startLocalAe({
    ...configFromEnv({}),
    port: Number(process.env.TEST_LOCAL_AE_PORT),
    dataDir,
    accountId: 'test-account',
    token: 'test-token',
  });
  const faults = await startFaultServer(Number(process.env.TEST_FAULT_PORT));
  return async () => {
    faults.closeAllConnections();
    faults.close();
    await ae.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
