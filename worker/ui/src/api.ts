/**
 * The console's only way to the worker: same-origin fetch with the session cookie. Bodies go as JSON
 * with `content-type: application/json`, which the worker's CSRF rules require of cookie-authenticated
 * changes. Every failure becomes an ApiError whose message is fit to show as it is.
 */

export class ApiError extends Error {
  readonly status: number;
  /** The request field the worker blamed, for a 400. */
  readonly field?: string;
  /** Seconds the worker asked to wait (503 with Retry-After). */
  readonly retryAfter?: number;

  constructor(status: number, message: string, field?: string, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

const UPSTREAM: Record<number, string> = {
  502: 'Usage data is unavailable',
  503: 'Usage data is busy',
  504: 'Usage data took too long',
};
/** A 503 that says when to try again is a busy store; one that does not is a missing setting (e.g. CF_ANALYTICS_TOKEN). */
const NOT_SET_UP = 'Usage data is unavailable';

/**
 * The sentence an admin reads for a failed call. The worker's `{ error }` is already written for
 * people; gateway statuses get a lead-in saying it is the analytics store, not the console, and a
 * body that is not the worker's JSON (a proxy's HTML page) is replaced rather than dumped.
 */
export function errorMessage(status: number, body: unknown, retryAfter?: number): string {
  const error =
    typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : null;
  const wait = retryAfter !== undefined ? ` Try again in ${retryAfter} s.` : '';
  const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
  const lead = status === 503 && retryAfter === undefined && error ? NOT_SET_UP : UPSTREAM[status];
  if (lead) return `${lead} (${status})${error ? `: ${wait ? sentence(error) : error}` : '.'}${wait}`;
  if (error) return wait ? `${sentence(error)}${wait}` : error;
  if (status === 401) return 'You are signed out.';
  if (status === 403) return 'Admins only.';
  if (status === 404) return 'Not found.';
  return `The worker answered ${status}.${wait}`;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

export function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  // Every change says JSON, body or not (a DELETE has none): the worker's rule for cookie writes.
  if (method !== 'GET') headers['content-type'] = 'application/json';
  return readAnswer<T>(
    fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    }),
  );
}

/** A response as the console uses it: its JSON, or an ApiError with a sentence to show. */
async function readAnswer<T>(response: Promise<Response>): Promise<T> {
  let res: Response;
  try {
    res = await response;
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new ApiError(0, 'The worker could not be reached. Is it running?');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    const field = typeof (body as { field?: unknown })?.field === 'string' ? (body as { field: string }).field : undefined;
    throw new ApiError(res.status, errorMessage(res.status, body, retryAfter), field, retryAfter);
  }
  if (body === null) throw new ApiError(res.status, `The worker answered ${res.status} without JSON.`);
  return body as T;
}

/** Requests started before anything asked for them, by path, with when they started. */
const early = new Map<string, { promise: Promise<unknown>; at: number }>();
/** An early answer older than this is not handed out: ask again. */
const EARLY_TTL_MS = 10_000;

/**
 * Starts a GET now, for the fetcher to hand to the first caller of the same path. The console asks
 * for its first view while better-auth checks the session, instead of after: the two round trips
 * overlap. The request may run for nobody (a signed-out visitor gets a cheap 401 from the worker's
 * auth check, before any usage read).
 */
export function prefetch(path: string): void {
  const promise = apiFetch(path);
  promise.catch(() => undefined);
  early.set(path, { promise, at: Date.now() });
}

/** A GET index.html's inline script started before the bundle loaded (see vite.config.ts). */
export interface EarlyRequest {
  path: string;
  response: Promise<Response>;
  /** better-auth's GET /api/auth/get-session, asked at the same time. */
  session?: Promise<Response>;
  /** GET /api/admin/me (ME_PATH), asked at the same time. */
  me?: Promise<Response>;
  at: number;
}

/** Who is signed in and whether they are an admin: the console's first question. */
export const ME_PATH = '/api/admin/me';

/** Takes over the requests started by the page itself, as prefetch() would have started them. */
export function adoptEarly(request: EarlyRequest): void {
  const adopt = (path: string, response: Promise<Response>) => {
    const promise = readAnswer(response);
    promise.catch(() => undefined);
    early.set(path, { promise, at: request.at });
  };
  adopt(request.path, request.response);
  if (request.me) adopt(ME_PATH, request.me);
}

/** SWR's fetcher: the key is the path. Only an early request that succeeded is used; one that failed is asked again. */
export function fetcher<T>(path: string): Promise<T> {
  const started = early.get(path);
  if (started) {
    early.delete(path);
    if (Date.now() - started.at < EARLY_TTL_MS) return (started.promise as Promise<T>).catch(() => apiFetch<T>(path));
  }
  return apiFetch<T>(path);
}
