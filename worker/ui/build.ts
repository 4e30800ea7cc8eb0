/**
 * Builds the admin console into worker/ui/dist when its inputs changed since the last build.
 *
 *   node worker/ui/build.ts [--force]
 *
 * wrangler runs this before `wrangler dev` and `wrangler deploy` (wrangler.toml [build]), so every
 * way of starting the worker (npm start, the test stacks, compose, a deploy) serves a current
 * console. Several stacks may start at once: a lock directory serialises builds, and a build goes to
 * a fresh folder that replaces dist/ only when complete, so no worker ever serves half a build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const UI = import.meta.dirname;
const ROOT = path.resolve(UI, '..', '..');
export const CONSOLE_DIST = path.join(UI, 'dist');
const STAMP = '.inputs-sha256';
const LOCK = path.join(UI, '.build-lock');
/** A lock older than this was left by a build that died; a real build takes seconds. */
const STALE_LOCK_MS = 5 * 60_000;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Everything the bundle is made from: the console's sources, the contract it imports, the config, the pinned versions. */
export function inputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    path.join(UI, 'index.html'),
    path.join(UI, 'vite.config.ts'),
    path.join(UI, 'build.ts'),
    path.join(ROOT, 'worker', 'package.json'),
    ...filesUnder(path.join(UI, 'src')),
    ...filesUnder(path.join(ROOT, 'contract', 'src')),
  ];
  for (const file of files) {
    hash.update(path.relative(ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function isBuilt(hash = inputsHash()): boolean {
  try {
    return readFileSync(path.join(CONSOLE_DIST, STAMP), 'utf8') === hash && existsSync(path.join(CONSOLE_DIST, 'index.html'));
  } catch {
    return false;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface BuildResult {
  built: boolean;
  seconds: number;
}

/** Builds unless dist/ already holds a build of the current inputs. */
export async function buildConsole(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<BuildResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  if (!options.force && isBuilt()) return { built: false, seconds: 0 };
  return withLock(async () => {
    // Another process may have built it while this one waited for the lock.
    const hash = inputsHash();
    if (!options.force && isBuilt(hash)) return { built: false, seconds: (performance.now() - started) / 1000 };
    log('console: building worker/ui → worker/ui/dist');
    const { build } = await import('vite');
    const next = path.join(UI, `.dist-${process.pid}`);
    rmSync(next, { recursive: true, force: true });
    await build({ configFile: path.join(UI, 'vite.config.ts'), logLevel: 'warn', build: { outDir: next, emptyOutDir: true } });
    writeFileSync(path.join(next, STAMP), hash);
    // Build bookkeeping, not part of the site.
    writeFileSync(path.join(next, '.assetsignore'), `${STAMP}\n.assetsignore\n`);
    const old = path.join(UI, `.dist-old-${process.pid}`);
    if (existsSync(CONSOLE_DIST)) renameSync(CONSOLE_DIST, old);
    renameSync(next, CONSOLE_DIST);
    rmSync(old, { recursive: true, force: true });
    const seconds = (performance.now() - started) / 1000;
    log(`console: built in ${seconds.toFixed(1)} s`);
    return { built: true, seconds };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { built } = await buildConsole({ force: process.argv.includes('--force') });
  if (!built) console.log('console: worker/ui/dist is up to date');
}
