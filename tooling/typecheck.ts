/**
 * npm run typecheck: every command of every workspace's own `typecheck` script (the one list of
 * what each checks), as many at once as the machine has cores, each command's output kept
 * together. Exits non-zero when any fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ROOT } from './stack.ts';

const { workspaces } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };

/** Each `cmd && cmd` of a workspace's typecheck script, to run on its own. */
const jobs = workspaces.flatMap((workspace) => {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, workspace, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return (scripts?.typecheck ?? '')
    .split('&&')
    .map((command) => command.trim())
    .filter(Boolean)
    .map((command) => ({ workspace, command }));
});

const bins = [path.join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter);

function check(job: { workspace: string; command: string }) {
  const started = Date.now();
  return new Promise<{ workspace: string; command: string; ok: boolean; output: string; seconds: number }>((resolve) => {
    const child = spawn('sh', ['-c', job.command], { cwd: path.join(ROOT, job.workspace), env: { ...process.env, PATH: bins }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('exit', (code) => resolve({ ...job, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const queue = [...jobs];
const results: Awaited<ReturnType<typeof check>>[] = [];
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) results.push(await check(job));
  }),
);
for (const r of results.sort((a, b) => jobs.indexOf(a) - jobs.indexOf(b))) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.workspace}: ${r.command} (${r.seconds.toFixed(0)} s)`);
  if (!r.ok || r.output.trim()) console.log(r.output.trimEnd());
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
