#!/usr/bin/env node
/**
 * local-analytics-engine serve | simulate | fill
 */
import { configFromEnv, startLocalAe } from './server.ts';

const [command = 'serve', ...args] = process.argv.slice(2);

if (command === 'serve') {
  const config = configFromEnv();
  const ae = await startLocalAe(config);
  console.log(`local Analytics Engine on ${ae.url} (data in ${config.dataDir})`);
  console.log(`  SQL API: ${ae.url}/client/v4/accounts/${config.accountId}/analytics_engine/sql`);
  const stop = () => void ae.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else if (command === 'simulate') {
  const { runSimulatorCli } = await import('./simulator.ts');
  try {
    await runSimulatorCli(args);
  } catch (error) {
    console.error(`simulate: ${(error as Error).message}`);
    process.exit(1);
  }
} else if (command === 'fill') {
  const { runFillCli } = await import('./simulator.ts');
  try {
    await runFillCli(args);
  } catch (error) {
    console.error(`fill: ${(error as Error).message}`);
    process.exit(1);
  }
} else {
  console.error(`unknown command ${command}; use serve, simulate or fill`);
  process.exit(2);
}
