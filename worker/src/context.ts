import type { Context } from 'hono';

/**
 * Hands a promise to the runtime so it outlives the response. Hono throws when a request carries no
 * execution context (direct app.request calls); then the promise simply runs unattended.
 */
export function waitUntil(c: Context, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context: nothing can extend the request, and the promise already handles its errors.
  }
}
