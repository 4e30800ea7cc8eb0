/**
 * trackEvent: one AE data point per tracked call, fire-and-forget. It never throws and never delays
 * the response: a bad point or a failing binding costs a warning, not a request.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { waitUntil } from '../context.ts';
import { AE_LIMITS, dataPointViolation, toDataPoint, type UsageEventInput } from '@usage-lens/contract';

// AE allows 250 writes per Worker invocation; one request is one invocation.
const writesPerRequest = new WeakMap<Request, number>();

export function trackEvent(c: Context<AppEnv>, input: UsageEventInput): void {
  try {
    const binding = c.env.USAGE_ANALYTICS;
    if (!binding) return;
    const writes = writesPerRequest.get(c.req.raw) ?? 0;
    if (writes >= AE_LIMITS.maxPointsPerInvocation) {
      console.warn(`trackEvent: dropped ${input.event}: more than ${AE_LIMITS.maxPointsPerInvocation} data points in one invocation`);
      return;
    }
    const point = toDataPoint(input);
    const bad = dataPointViolation(point);
    if (bad) {
      console.warn(`trackEvent: dropped ${input.event}: ${bad.message}`);
      return;
    }
    writesPerRequest.set(c.req.raw, writes + 1);
    // AE's own binding returns nothing; the local AE's RPC binding returns a promise.
    const pending = binding.writeDataPoint(point);
    if (pending && typeof (pending as Promise<void>).then === 'function') {
      waitUntil(
        c,
        (pending as Promise<void>).catch((error: unknown) => console.warn(`trackEvent: write of ${input.event} failed`, error)),
      );
    }
  } catch (error) {
    console.warn(`trackEvent: dropped ${input.event}`, error);
  }
}
