/**
 * Takes the catalog screenshots (src/img/screenshot-*.png) of the real editors, rendered by the
 * Chromium harness (harness/, built with `node harness/build.mts`). Run after changing an editor:
 *
 *   node harness/build.mts && node scripts/screenshots.mts
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'harness', 'dist');
const server = createServer((req, res) => {
  const file = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : path.basename((req.url ?? '').split('?')[0]);
  let body: Buffer;
  try {
    body = readFileSync(path.join(dist, file));
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const shots: Array<{ file: string; query: string; height: number; prepare?: (page: import('playwright-core').Page) => Promise<void> }> = [
    {
      file: 'screenshot-query-editor.png',
      query: 'editor=query&mode=worker',
      height: 350,
      prepare: async (page) => {
        await page.getByRole('radio', { name: 'Time series', exact: true }).check({ force: true });
        await page.getByRole('radio', { name: 'User', exact: true }).check({ force: true });
      },
    },
    { file: 'screenshot-config-editor.png', query: 'editor=config&mode=worker&saved=1', height: 500 },
  ];
  for (const shot of shots) {
    const page = await browser.newPage({ viewport: { width: 1000, height: shot.height }, deviceScaleFactor: 1 });
    await page.goto(`${base}/?${shot.query}`);
    await page.getByTestId('harness-ready').waitFor();
    await shot.prepare?.(page);
    await page.screenshot({ path: path.join(root, 'src', 'img', shot.file) });
    console.log(`wrote src/img/${shot.file}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
