/**
 * The worker's bindings and per-request variables, declared once. test/structure.test.ts checks that
 * wrangler.toml binds them in every environment.
 */
import type { LimitClass, LimitTier } from '@usage-lens/contract';
import type { SyncRoom } from './durable-objects/sync-room.ts';
import type { ChatRoom } from './durable-objects/chat-room.ts';

/** AE's binding in production; in local dev and tests a service binding to the local AE, whose RPC returns a promise. */
export interface UsageAnalyticsBinding {
  writeDataPoint(point?: AnalyticsEngineDataPoint): void | Promise<void>;
}

/** The Rate Limiting bindings, one per event class and tier (contract: rateLimitBinding), e.g. RL_CONNECT_STANDARD. */
export type RateLimitBindingName = `RL_${Uppercase<LimitClass>}_${Uppercase<LimitTier>}`;
type RateLimitBindings = { [Name in RateLimitBindingName]?: RateLimit };

export interface Env extends RateLimitBindings {
  DB: D1Database;
  SYNC_ROOM: DurableObjectNamespace<SyncRoom>;
  CHAT_ROOM: DurableObjectNamespace<ChatRoom>;
  USAGE_ANALYTICS?: UsageAnalyticsBinding;
  BETTER_AUTH_URL: string;
  BETTER_AUTH_SECRET: string;
  /** Comma-separated extra origins better-auth accepts (e.g. the compose network's name for the worker). */
  TRUSTED_ORIGINS?: string;
  /** Comma-separated emails that are admins whatever their role, once verified (bootstrapping). */
  ADMIN_EMAILS?: string;
  /** Cloudflare Email Service binding (`[[send_email]] name = "EMAIL"`): sends verification mail. */
  EMAIL?: SendEmail;
  /** The sender of verification mail, an address of a domain onboarded to Email Service. */
  MAIL_FROM?: string;
  /** Reads AE (`[analytics]` binding in production; the local AE's entrypoint in local dev and tests). */
  ANALYTICS_SQL?: AnalyticsSQLBinding;
  /** How long to wait for one read, in ms (default: a little longer than AE runs a query). */
  ANALYTICS_SQL_TIMEOUT_MS?: string;
  /** Per-user limits: off, observe (default) or enforce (limits/mode.ts). */
  LIMITS_MODE?: string;
  /**
   * AE's HTTP SQL API, for the limit recommendations only (their nested aggregation is beyond the
   * Analytics SQL binding's dialect): the account, an API token with Account Analytics Read, and the
   * API's base URL (Cloudflare's by default; the local AE locally and in tests).
   */
  CF_ACCOUNT_ID?: string;
  CF_ANALYTICS_TOKEN?: string;
  CF_API_BASE_URL?: string;
  /** How long to wait for one SQL API answer, in ms (default 65 s). */
  CF_SQL_TIMEOUT_MS?: string;
}

export interface Principal {
  userId: string;
  orgId: string;
  name: string;
  email: string;
  role: string;
  /** Whether better-auth has seen the email verified (ADMIN_EMAILS counts only then). */
  emailVerified: boolean;
  /** How the caller proved who it is. */
  via: 'session' | 'api-key';
  /** Scope of the API key, when via is api-key. */
  scope?: ApiKeyScope;
}

export const API_KEY_SCOPES = ['admin', 'ingest'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Resolved lazily by resolvePrincipal; undefined until then. */
    principal: Principal | null | undefined;
  };
}
