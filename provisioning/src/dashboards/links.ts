/**
 * How the dashboards and the alert rules point at each other: dashboard uids, stable panel ids
 * (alert rules name a panel by id in __panelId__), the User detail address with `var-user` set, and
 * the links between the dashboards.
 */
import { DashboardLinkBuilder, DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import type { DashboardLink } from '@grafana/grafana-foundation-sdk/dashboard';

export const USAGE_OVERVIEW_UID = 'usage-lens-overview';
export const USER_DETAIL_UID = 'usage-lens-user-detail';
export const LIMITS_UID = 'usage-lens-limits';

/** Panel ids never change once given: alert rules and bookmarks (viewPanel=) point at them. */
export const OVERVIEW_PANELS = {
  totalEvents: 1,
  activeUsers: 2,
  aeWrites: 3,
  aeCost: 4,
  usersTable: 5,
  eventsByType: 6,
  topUsers: 7,
  byOrg: 8,
  errorRateByUser: 9,
} as const;

export const LIMITS_PANELS = {
  overLimitCalls: 1,
  limitsPerEvent: 2,
  usersOver: 3,
  overLimitByUser: 4,
  throttledByUser: 5,
} as const;

export const USER_DETAIL_PANELS = {
  calls: 1,
  statuses: 2,
  eventsOverTime: 3,
  statusesOverTime: 4,
} as const;

/** The User detail dashboard for one user id, keeping the time range the admin is looking at. */
export function userDetailUrl(userIdExpression: string): string {
  return `/d/${USER_DETAIL_UID}?var-user=${userIdExpression}&\${__url_time_range}`;
}

/** A field data link ({title, url}); the SDK types it as a dashboard link, so this builds only what Grafana reads. */
export function dataLink(title: string, url: string): Builder<DashboardLink> {
  return { build: () => ({ title, url }) as unknown as DashboardLink };
}

/** The per-user table's User cell: the same row's id (the `User ID` field, hidden but present). */
export const USER_ROW_LINK = dataLink('User detail for ${__data.fields["User"]}', userDetailUrl('${__data.fields["User ID"]:percentencode}'));

/** A per-user series: its `user` label is the id (the `name` label is for reading). */
export const USER_SERIES_LINK = dataLink('User detail for ${__series.name}', userDetailUrl('${__field.labels.user:percentencode}'));

export function linkTo(title: string, uid: string, tooltip: string) {
  return new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(`/d/${uid}`).tooltip(tooltip).icon('dashboard').keepTime(true).includeVars(false).asDropdown(false).targetBlank(false);
}
