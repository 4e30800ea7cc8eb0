/**
 * Every error leaves the worker as JSON `{ error, field? }`; HTTPException carries the status.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error that names the request field at fault: a 400 unless the field's fault has a status of
 * its own (413 for a body over its limit, 415 for a body that is not JSON, 403 for an untrusted
 * origin).
 */
export class FieldError extends HTTPException {
  readonly field: string;
  constructor(field: string, message: string, status: ContentfulStatusCode = 400) {
    super(status, { message: `${field}: ${message}` });
    this.field = field;
  }
}

/** An HTTPException that also sets headers (Retry-After on upstream throttling). */
export function httpError(status: ContentfulStatusCode, message: string, headers?: Record<string, string>): HTTPException {
  if (!headers) return new HTTPException(status, { message });
  return new HTTPException(status, {
    message,
    res: new Response(JSON.stringify({ error: message }), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    }),
  });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof HTTPException) {
    if (err.res) return err.res;
    const body: Record<string, string> = { error: err.message };
    if (err instanceof FieldError) body.field = err.field;
    return c.json(body, err.status);
  }
  console.error('unhandled error', err);
  return c.json({ error: 'internal error' }, 500);
}
