/**
 * go test with a JSON report for npm test's summary: runs `go test -json <args>` in the current
 * folder, keeps the JSON in $GO_JSON_REPORT and prints the human-readable output as it comes.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const report = process.env.GO_JSON_REPORT;
const child = spawn('go', ['test', '-json', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
const file = report ? createWriteStream(report) : null;
for await (const line of createInterface({ input: child.stdout! })) {
  file?.write(`${line}\n`);
  try {
    const event = JSON.parse(line) as { Action: string; Output?: string };
    // Passing tests stay in the report; the console shows failures, logs and package results.
    const quiet = /^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS|\{"@level")/;
    if (event.Action === 'output' && event.Output && !quiet.test(event.Output)) process.stdout.write(event.Output);
  } catch {
    process.stdout.write(`${line}\n`);
  }
}
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
file?.end();
process.exit(code);
