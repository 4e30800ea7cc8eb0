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
    }
  }
}
