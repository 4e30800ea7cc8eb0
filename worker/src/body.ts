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
