/**
 * The console's data hooks (SWR). Each request has one cache key (its path), so a tab left and
 * opened again shows what it had at once.
 */
import { useMemo, useState } from 'react';
import useSWR, { useSWRConfig } from 'swr';
import { ApiError, fetcher, ME_PATH } from './api.ts';
import type { AdminUser, ApiKey, LimitsReport, Me, Org, Period, SeriesAnswer, TiersAnswer, UsageReport, UsersAnswer } from './types.ts';
import { limitsPath, TIERS_PATH, type LimitsView } from './limits-data.ts';
import { pivotSeries, seriesPath, toRows, usagePath, type EventSeries, type UsageRow, type UsageView } from './usage-data.ts';
import { usersByIdsPaths, usersPath, type UsersView } from './users-data.ts';

/** Lists an admin edits here change only through this console: no refetch on focus. */
const STABLE = { revalidateOnFocus: false, revalidateIfStale: false } as const;

/** Who is signed in, and whether the admin API lets them in. */
export function useMe() {
  return useSWR<Me, ApiError>(ME_PATH, fetcher, STABLE);
}

/** One page of the users list, searched and paged by the worker; the page shown stays while the next loads. */
export function useUsers(view: UsersView) {
  const { data, error, isLoading, mutate } = useSWR<UsersAnswer, ApiError>(usersPath(view), fetcher, {
    keepPreviousData: true,
    revalidateOnFocus: false,
  });
  return { data, error, isLoading: isLoading && !data, isStale: isLoading && !!data, mutate };
}

/** Users whose name, email or id contains `q`, the first `limit` of them; nothing is asked for a blank search. */
export function useUserSearch(q: string, limit: number) {
  return useSWR<UsersAnswer, ApiError>(q.trim() ? usersPath({ q, offset: 0 }, limit) : null, fetcher, STABLE);
}

/** The users of a few ids (e.g. whom API keys act as), by id; asked in as few requests as the worker allows. */
export function useUsersByIds(ids: readonly string[]): ReadonlyMap<string, AdminUser> {
  const paths = usersByIdsPaths(ids);
  const { data } = useSWR<AdminUser[], ApiError>(paths.length ? paths : null, (keys: string[]) =>
    Promise.all(keys.map((p) => fetcher<UsersAnswer>(p))).then((answers) => answers.flatMap((a) => a.users)),
  STABLE);
  return useMemo(() => new Map((data ?? []).map((u) => [u.id, u])), [data]);
}

export interface UsageData {
  report: UsageReport | undefined;
  rows: UsageRow[];
  error: ApiError | undefined;
  /** No answer yet for any view. */
  isLoading: boolean;
  /** The answer shown is for an earlier view while this one loads. */
  isStale: boolean;
}

/**
 * Totals and one page of per-user rows for a view. The previous answer stays on screen while the
 * next loads, so sorting or paging does not blank the table.
 */
export function useUsage(view: UsageView): UsageData {
  const { data, error, isLoading } = useSWR<UsageReport, ApiError>(usagePath(view), fetcher, {
    keepPreviousData: true,
    revalidateOnFocus: false,
  });
  const rows = useMemo(() => toRows(data?.users ?? []), [data]);
  // With keepPreviousData, isLoading means "this view has no answer yet", whatever is shown.
  return { report: data, rows, error, isLoading: isLoading && !data, isStale: isLoading && !!data };
}

/** One user's events over the view's period, one line per event. */
export function useUserSeries(
  period: Period,
  userId: string | null,
): { series: EventSeries | undefined; error: ApiError | undefined; isLoading: boolean } {
  const { data, error, isLoading } = useSWR<SeriesAnswer, ApiError>(userId ? seriesPath(period, userId) : null, fetcher, {
    revalidateOnFocus: false,
  });
  const series = useMemo(() => (data ? pivotSeries(data.buckets, data.window, data.interval) : undefined), [data]);
  return { series, error, isLoading };
}

export function useOrgs() {
  return useSWR<{ orgs: Org[] }, ApiError>('/api/admin/orgs', fetcher, STABLE);
}

export function useApiKeys() {
  return useSWR<{ apiKeys: ApiKey[] }, ApiError>('/api/admin/api-keys', fetcher, { revalidateOnFocus: true });
}

/**
 * Limits recommended from history. Each answer costs two AE reads (billed), and covers whole past
 * days, so it is asked once per period and headroom and not again on focus.
 */
export function useLimits(view: LimitsView) {
  const path = limitsPath(view);
  const { data, error, isLoading, mutate } = useSWR<LimitsReport, ApiError>(path, fetcher, { ...STABLE, keepPreviousData: true });
  const { mutate: mutateCache } = useSWRConfig();
  /**
   * After a tier changed: who is over whose limit depends on tiers. The view shown is asked again
   * (its answer stays on screen meanwhile); other views asked before are dropped, to be asked
   * again only if shown.
   */
  const refresh = () => {
    void mutateCache((key) => typeof key === 'string' && key.startsWith('/api/admin/limits?') && key !== path, undefined, { revalidate: false });
    return mutate();
  };
  return { report: data, error, isLoading: isLoading && !data, isStale: isLoading && !!data, refresh };
}

export function useTiers() {
  return useSWR<TiersAnswer, ApiError>(TIERS_PATH, fetcher, STABLE);
}

/** What a failed request says to the admin: the worker's own message when it sent one. */
export const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

/**
 * One form's or button's request: `pending` while it runs (to disable the control), and the error in
 * words after a failure, cleared when it runs again.
 */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(request: () => Promise<void>) {
    setPending(true);
    setError(null);
    try {
      await request();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setPending(false);
    }
  }
  return { pending, error, run };
}
