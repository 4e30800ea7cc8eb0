import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../src/env.ts';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index.ts');
    }
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_LOCAL_AE_URL: string;
      TEST_FAULT_URL: string;
      FAULTY_ANALYTICS_SQL: AnalyticsSQLBinding;
      FORBIDDEN_ANALYTICS_SQL: AnalyticsSQLBinding;
      UNREACHABLE_ANALYTICS_SQL: AnalyticsSQLBinding;
      /** wrangler.toml as wrangler reads it, per environment. */
      TEST_WRANGLER_ENVS: Record<'production' | 'staging' | 'local', { ratelimits: { name: string; namespace_id: string; simple: { limit: number; period: number } }[]; vars: Record<string, unknown> }>;
      /** The limits of the TEST_TINY_RL_* bindings, by tier. */
      TEST_TINY_LIMITS: Record<'standard' | 'high', number>;
      TEST_TINY_RL_CONNECT_STANDARD: RateLimit;
      TEST_TINY_RL_CONNECT_HIGH: RateLimit;
      TEST_TINY_RL_SESSION_STANDARD: RateLimit;
      TEST_TINY_RL_SESSION_HIGH: RateLimit;
      TEST_TINY_RL_INGEST_STANDARD: RateLimit;
      TEST_TINY_RL_INGEST_HIGH: RateLimit;
    }
  }
}
