import { FieldError } from './errors.ts';

const tooLarge = (maxBytes: number) => new FieldError('body', `at most ${maxBytes} bytes`, 413);

/**
 * Reads a request body of at most `maxBytes`. A Content-Length over the limit is refused before a
 * byte is read; a body without one (chunked) is read only until it passes the limit, then the
 * stream is cancelled, so a 40 MB body costs the worker no more than the limit.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = req.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) throw new FieldError('content-length', 'must be a number of bytes');
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new FieldError('body', 'is not valid UTF-8');
  }
}

/** Reads a JSON body of bounded size (readBodyText): 413 when too large, 400 naming `body` when not JSON. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const text = await readBodyText(req, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldError('body', 'is not valid JSON');
  }
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new FieldError('body', 'must be a JSON object');
  return value;
}

// A calendar date, optionally with a time; a time must say its zone (Z or ±hh:mm), since a bare
// local time would be read in whatever zone the runtime has.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2})))?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Epoch ms of a strict ISO 8601 string, or NaN. Date.parse alone takes "12/31/1999" and rolls "02-30" over. */
export function parseIso8601(text: string): number {
  const m = ISO_8601.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let offsetMinutes = 0;
  if (m[9]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return NaN;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  return utc.getTime() - offsetMinutes * 60_000;
}

/**
 * An instant in a JSON body: an ISO 8601 string or whole epoch milliseconds (a number), within
 * [notBefore, notAfter]. Anything else is a 400 naming the field.
 */
export function readInstant(value: unknown, field: string, range: { notBefore: number; notAfter: number }): number {
  const ms = typeof value === 'number' ? (Number.isSafeInteger(value) ? value : NaN) : typeof value === 'string' ? parseIso8601(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new FieldError(field, 'must be an ISO 8601 time with a zone (e.g. 2026-11-28T10:00:00Z), a date, or whole epoch milliseconds');
  }
  if (ms < range.notBefore || ms > range.notAfter) {
    throw new FieldError(field, `must be between ${new Date(range.notBefore).toISOString()} and ${new Date(range.notAfter).toISOString()}`);
  }
  return ms;
}
