/**
 * The console's data hooks (SWR). Each admin endpoint has one cache key, so the users list the
 * console loads once serves the Users tab and the Usage tab's names alike.
 */
import { useMemo } from 'react';
import useSWR from 'swr';
import { fetcher, type ApiError } from './api.ts';
import type { AdminUser, ApiKey, Org, Period, SeriesAnswer, UsageReport } from './types.ts';
import { pivotSeries, seriesPath, toRows, usagePath, type EventSeries, type UsageRow, type UsageView } from './usage-data.ts';

/** Lists an admin edits here change only through this console: no refetch on focus. */
const STABLE = { revalidateOnFocus: false, revalidateIfStale: false } as const;

/** The users list, once `wanted`: until then it would compete with the first usage answer for the worker. */
export function useDirectory(wanted = true) {
  const { data, error, isLoading, mutate } = useSWR<{ users: AdminUser[] }, ApiError>(wanted ? '/api/admin/users' : null, fetcher, STABLE);
  const byId = useMemo(() => new Map((data?.users ?? []).map((u) => [u.id, u])), [data]);
  return { users: data?.users, byId, error, isLoading, mutate };
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
export function useUsage(view: UsageView, directory?: ReadonlyMap<string, AdminUser>): UsageData {
  const { data, error, isLoading } = useSWR<UsageReport, ApiError>(usagePath(view), fetcher, {
    keepPreviousData: true,
    revalidateOnFocus: false,
  });
  const rows = useMemo(() => toRows(data?.users ?? [], directory), [data, directory]);
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
