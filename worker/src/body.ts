import { HTTPException } from 'hono/http-exception';
import { FieldError } from './errors.ts';

/** Reads a JSON body of bounded size: 413 when too large, 400 naming `body` when not JSON. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new HTTPException(413, { message: `body: at most ${maxBytes} bytes` });
  if (Number(req.headers.get('content-length') ?? '0') > maxBytes) throw tooLarge();
  const text = await req.text();
  if (new TextEncoder().encode(text).byteLength > maxBytes) throw tooLarge();
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
