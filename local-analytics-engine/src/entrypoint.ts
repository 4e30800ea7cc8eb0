/**
 * The local stand-in for AE's Worker binding. The worker's local config binds USAGE_ANALYTICS to
 * this entrypoint: `writeDataPoint` checks the point as workerd does (same TypeErrors), stamps the
 * time and hands the point to the local AE over HTTP without making the caller wait for it.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { dataPointViolation } from '@usage-lens/contract';

interface Env {
  LOCAL_AE_URL: string;
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
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (res) => {
          if (!res.ok) console.warn(`local AE refused a data point (${res.status}): ${await res.text()}`);
        })
        .catch((error: unknown) => console.warn(`local AE unreachable at ${this.env.LOCAL_AE_URL}`, error)),
    );
  }
}

export default {
  fetch: () => new Response('local-analytics-engine: bind the LocalAnalyticsEngine entrypoint as USAGE_ANALYTICS\n'),
} satisfies ExportedHandler<Env>;
