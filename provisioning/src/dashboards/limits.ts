/**
 * Limits: what the per-user rate limits are, what history recommends, and who goes over them. The
 * recommendations (the plugin's `limits` query: the worker's /api/admin/limits) are one query shown
 * as two tables (a table panel shows one frame, by its frameIndex); calls over the limit and
 * throttled calls come from the usage reads. Worker mode only: the configured limits and tiers live
 * in the app.
 *
 * Reads per refresh (worker mode): the recommendations (the worker's 2 AE reads, shared by both
 * tables), the totals (calls over the limit), the users with a call over the limit (whom the two
 * graphs show) and one series read for both graphs: 5 AE reads, whatever the number of users.
 */
import { DashboardBuilder, DashboardCursorSync, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { BigValueColorMode, BigValueGraphMode, ReduceDataOptionsBuilder, TableSortByFieldStateBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DATASOURCES } from '../config.ts';
import { UsageQueryBuilder } from '../query.ts';
import { periodPicker, seriesLegend } from './usage-overview.ts';
import { LIMITS_PANELS, LIMITS_UID, linkTo, USAGE_OVERVIEW_UID, USER_DETAIL_UID, USER_ROW_LINK, USER_SERIES_LINK } from './links.ts';

export { LIMITS_UID };

/** Frames of the limits query: the table of limits per event, then the users over a limit. */
export const LIMITS_FRAMES = { perEvent: 0, usersOver: 1 } as const;

const recommendations = () => new UsageQueryBuilder('limits').refId('A');

const overLimitCalls = (id: number, title: string, description: string) =>
  new StatPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DATASOURCES.worker)
    .withTarget(new UsageQueryBuilder('totals').metric('over_limit').refId('A'))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Value)
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }, { value: 1, color: 'orange' }]))
    .unit('short')
    .decimals(0)
    .height(4)
    .span(24);

const byUser = (id: number, title: string, metric: 'over_limit' | 'throttled', description: string) =>
  new TimeseriesPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DATASOURCES.worker)
    .withTarget(new UsageQueryBuilder('timeseries').groupBy('user').metric(metric).topN(10).refId('A'))
    .legend(seriesLegend())
    .dataLinks([USER_SERIES_LINK])
    .unit('short')
    .height(8)
    .span(12);

export function limits() {
  return new DashboardBuilder('Limits')
    .uid(LIMITS_UID)
    .description('Per-user rate limits: recommended from history beside the configured ones, and the users over them')
    .tags(['usage-lens'])
    .time({ from: 'now-7d', to: 'now' })
    .timepicker(periodPicker())
    .refresh('5m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .links([
      linkTo('Usage overview', USAGE_OVERVIEW_UID, 'Every user, totals and AE cost'),
      linkTo('User detail', USER_DETAIL_UID, 'One user’s calls, events and statuses over time'),
    ])
    .withPanel(
      overLimitCalls(
        LIMITS_PANELS.overLimitCalls,
        'Calls over the limit',
        'Calls over their user’s per-minute limit in the period: let through in observe mode, refused (429) in enforce mode.',
      ),
    )
    .withPanel(
      new TablePanel()
        .id(LIMITS_PANELS.limitsPerEvent)
        .title('Recommended and configured limits per event')
        .description(
          'What users did on their active days (calls in the day, calls in its busiest minute), the limits that history recommends (99th percentile × headroom, rounded up), and the per-minute limits the worker enforces per tier. History: the last 7 days for a range of up to 7 days, else the last 30.',
        )
        .datasource(DATASOURCES.worker)
        .withTarget(recommendations())
        .frameIndex(LIMITS_FRAMES.perEvent)
        .height(8)
        .span(24),
    )
    .withPanel(
      new TablePanel()
        .id(LIMITS_PANELS.usersOver)
        .title('Users over the limit')
        .description('Users who went over the per-minute limit of their tier (configured) or over the recommended limits, busiest first. Click a user for their detail.')
        .datasource(DATASOURCES.worker)
        // The same query as the table above, so one request for both: this panel shows its second frame.
        .withTarget(recommendations())
        .frameIndex(LIMITS_FRAMES.usersOver)
        .overrideByName('User ID', [{ id: 'custom.hidden', value: true }])
        .overrideByName('User', [{ id: 'links', value: [USER_ROW_LINK.build()] }])
        .sortBy([new TableSortByFieldStateBuilder().displayName('Calls over (configured)').desc(true)])
        .height(8)
        .span(24),
    )
    .withPanel(
      byUser(LIMITS_PANELS.overLimitByUser, 'Calls over the limit by user', 'over_limit', 'The ten users with most calls over their limit. Click a line for that user’s detail.'),
    )
    .withPanel(byUser(LIMITS_PANELS.throttledByUser, 'Throttled calls by user', 'throttled', 'The ten users with most calls refused for their limit (429). Click a line for that user’s detail.'));
}

