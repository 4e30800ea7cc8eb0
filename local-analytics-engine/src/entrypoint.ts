/**
 * The local stand-ins for Cloudflare's Worker bindings, served by the local AE:
 * - `LocalAnalyticsEngine`, for AE's write binding (USAGE_ANALYTICS): `writeDataPoint` checks the
 *   point as workerd does (same TypeErrors), stamps the time and hands the point to the local AE
 *   over HTTP without making the caller wait for it.
 * - `LocalAnalyticsSql`, for the Analytics SQL binding (`[analytics]`, ANALYTICS_SQL): `query`
 *   runs through the local AE's Analytics SQL route and resolves or rejects as the binding does.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { dataPointViolation } from '@usage-lens/contract';
import { checkParams } from './analytics-sql-params.ts';
import { SqlApiError } from './sql/errors.ts';

interface Env {
  LOCAL_AE_URL: string;
  /** The local AE's account and token: its routes need them; the real bindings need neither. */
  LOCAL_AE_ACCOUNT_ID?: string;
  LOCAL_AE_TOKEN?: string;
}

interface Props {
  /** Which dataset this binding writes to, as `dataset` does on AE's binding. */
  dataset?: string;
}

type Value = string | ArrayBuffer | ArrayBufferView | null | undefined;

const decoder = new TextDecoder();

function asText(value: Value): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return decoder.decode(value);
}

export class LocalAnalyticsEngine extends WorkerEntrypoint<Env, Props> {
  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    const bad = dataPointViolation(point);
    if (bad) throw new TypeError(bad.message);
    const dataset = this.ctx.props?.dataset ?? 'usage_analytics';
    const body = JSON.stringify({
      points: [
        {
          indexes: (point?.indexes ?? []).map((v) => asText(v as Value)),
          blobs: (point?.blobs ?? []).map((v) => asText(v as Value)),
          doubles: point?.doubles ?? [],
          timestamp: Date.now(),
        },
      ],
    });
    const url = `${this.env.LOCAL_AE_URL.replace(/\/+$/, '')}/datasets/${encodeURIComponent(dataset)}/points`;
    this.ctx.waitUntil(
      fetch(url, {
        method: 'POST',
        // The local AE takes writes only with its token (a forged point would fire per-user alerts).
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.env.LOCAL_AE_TOKEN ?? ''}` },
        body,
      })
        .then(async (res) => {
          if (!res.ok) console.warn(`local AE refused a data point (${res.status}): ${await res.text()}`);
        })
        .catch((error: unknown) => console.warn(`local AE unreachable at ${this.env.LOCAL_AE_URL}`, error)),
    );
  }
}

/**
 * "The method rejects its promise when a query fails. The thrown error has a boolean `retryable`
 * property. Retry with bounded exponential backoff only when this property is `true`."
 * (https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/) and "Retry
 * `429`, `500`, `503`, and `507`" (https://developers.cloudflare.com/analytics/sql-api/errors/).
 * The error's class and any code are not documented: a plain Error carrying the service's text.
 * Own properties of an Error cross a service binding (workerd's RPC), so callers see `retryable`.
 */
const RETRYABLE = new Set([429, 500, 503, 507]);

function queryError(message: string, retryable: boolean): Error & { retryable: boolean } {
  return Object.assign(new Error(message), { retryable });
}

export class LocalAnalyticsSql extends WorkerEntrypoint<Env> {
  async query(request: AnalyticsSQLQuery): Promise<AnalyticsSQLResult> {
    const { LOCAL_AE_URL: base, LOCAL_AE_ACCOUNT_ID: account, LOCAL_AE_TOKEN: token } = this.env;
    if (!account || !token) {
      throw queryError('local Analytics SQL binding: LOCAL_AE_ACCOUNT_ID and LOCAL_AE_TOKEN must be set', false);
    }
    try {
      // JSON would turn NaN or Infinity into null; refuse them here as the service would.
      checkParams(request?.params);
    } catch (error) {
      if (error instanceof SqlApiError) throw queryError(error.message, false);
      throw error;
    }
    const url = `${base.replace(/\/+$/, '')}/client/v4/accounts/${encodeURIComponent(account)}/analytics/sql`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: request?.query, params: request?.params }),
      });
    } catch {
      // The data store is unreachable: what the errors page calls 503, a transient failure.
      throw queryError(`The local Analytics Engine at ${base} is unavailable`, true);
    }
    const body = await res.text();
    if (!res.ok) throw queryError(body, RETRYABLE.has(res.status));
    return JSON.parse(body) as AnalyticsSQLResult;
  }
}

export default {
  fetch: () => new Response('local-analytics-engine: bind the LocalAnalyticsEngine entrypoint as USAGE_ANALYTICS and LocalAnalyticsSql as ANALYTICS_SQL\n'),
} satisfies ExportedHandler<Env>;
