/**
 * Usage overview: what admins open. Totals and AE cost, the seed's per-user table, events by type,
 * top users, usage by org, and error rate by user, for 24 h / 7 d / 30 d.
 */
import { DashboardBuilder, DashboardCursorSync, ThresholdsConfigBuilder, ThresholdsMode, TimeOptionBuilder, TimePickerBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import {
  BigValueGraphMode,
  BigValueColorMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  TableSortByFieldStateBuilder,
  VizLegendOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { DATASOURCES, FREE_TIER_WRITES_PER_DAY, THRESHOLDS } from '../config.ts';
import { UsageQueryBuilder } from '../query.ts';
import { LIMITS_UID, linkTo, OVERVIEW_PANELS, USAGE_OVERVIEW_UID, USER_DETAIL_UID, USER_ROW_LINK, USER_SERIES_LINK } from './links.ts';

export { USAGE_OVERVIEW_UID };

/** Every panel with more than one series shows which line is which, with its total and peak. */
export function seriesLegend() {
  return new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Bottom).calcs(['sum', 'max']).sortBy('Total').sortDesc(true);
}

/** Grafana's time picker offers the seed's three periods first. */
export function periodPicker() {
  return new TimePickerBuilder()
    .refreshIntervals(['30s', '1m', '5m', '15m', '1h'])
    .quickRanges([
      new TimeOptionBuilder().display('Last 24 hours').from('now-24h').to('now'),
      new TimeOptionBuilder().display('Last 7 days').from('now-7d').to('now'),
      new TimeOptionBuilder().display('Last 30 days').from('now-30d').to('now'),
    ]);
}

const field = (name: string) => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields(`/^${name}$/`).values(false);

function stat(id: number, title: string, query: UsageQueryBuilder, fieldName: string) {
  return new StatPanel()
    .id(id)
    .title(title)
    .datasource(DATASOURCES.worker)
    .withTarget(query.refId('A'))
    .reduceOptions(field(fieldName))
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Value)
    .height(4)
    .span(6);
}

export function usageOverview() {
  return new DashboardBuilder('Usage overview')
    .uid(USAGE_OVERVIEW_UID)
    .description('Per-user API usage of the app, from Analytics Engine')
    .tags(['usage-lens'])
    .time({ from: 'now-24h', to: 'now' })
    .timepicker(periodPicker())
    .refresh('1m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .links([
      linkTo('User detail', USER_DETAIL_UID, 'One user’s calls, events and statuses over time'),
      linkTo('Limits', LIMITS_UID, 'Per-user rate limits: recommended, configured, and who goes over them'),
    ])
    .withPanel(stat(OVERVIEW_PANELS.totalEvents, 'Total events', new UsageQueryBuilder('totals'), 'Total events').unit('short').decimals(0))
    .withPanel(stat(OVERVIEW_PANELS.activeUsers, 'Active users', new UsageQueryBuilder('totals'), 'Active users').unit('short').decimals(0))
    .withPanel(
      stat(OVERVIEW_PANELS.aeWrites, 'AE writes per day (free tier 100k)', new UsageQueryBuilder('cost'), 'AE writes per day')
        .unit('short')
        .decimals(0)
        .thresholds(
          new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
            { value: null, color: 'green' },
            { value: FREE_TIER_WRITES_PER_DAY * THRESHOLDS.freeTierShare, color: 'orange' },
            { value: FREE_TIER_WRITES_PER_DAY, color: 'red' },
          ]),
        ),
    )
    .withPanel(stat(OVERVIEW_PANELS.aeCost, 'Projected monthly AE cost', new UsageQueryBuilder('cost'), 'Projected monthly cost').unit('currencyUSD').decimals(2))
    .withPanel(
      new TablePanel()
        .id(OVERVIEW_PANELS.usersTable)
        .title('Usage by user')
        .description(
          'Every user with their calls per event in the selected period, busiest first, with their share of the AE writes and of the projected monthly AE cost. Click a user for their detail.',
        )
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('users').refId('A'))
        // The seed's columns: User | Total | Sync | Sync auth | Auth | Chat | Ingest, then what the
        // user's writes cost. `User ID` is hidden rather than removed by a transformation: the User
        // link reads it from the row.
        .overrideByName('User ID', [{ id: 'custom.hidden', value: true }])
        .overrideByName('User', [{ id: 'links', value: [USER_ROW_LINK.build()] }])
        .sortBy([new TableSortByFieldStateBuilder().displayName('Total').desc(true)])
        .height(10)
        .span(24),
    )
    .withPanel(
      new TimeseriesPanel()
        .id(OVERVIEW_PANELS.eventsByType)
        .title('Events over time by type')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('timeseries').groupBy('event').metric('events').refId('A'))
        .legend(seriesLegend())
        .unit('short')
        .height(8)
        .span(12),
    )
    .withPanel(
      new TimeseriesPanel()
        .id(OVERVIEW_PANELS.topUsers)
        .title('Top users over time')
        .description('The ten busiest users of the period. Click a line for that user’s detail.')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('timeseries').groupBy('user').metric('events').topN(10).refId('A'))
        .legend(seriesLegend())
        .dataLinks([USER_SERIES_LINK])
        .unit('short')
        .height(8)
        .span(12),
    )
    .withPanel(
      new BarGaugePanel()
        .id(OVERVIEW_PANELS.byOrg)
        .title('Usage by org')
        .datasource(DATASOURCES.worker)
        // Organisations as a table (no user dimension): one bar per row, named by the org.
        .withTarget(new UsageQueryBuilder('orgs').topN(10).refId('A'))
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('/^Total$/').values(true))
        .displayName('${__data.fields.Org}')
        .orientation(VizOrientation.Horizontal)
        .unit('short')
        .height(8)
        .span(12),
    )
    .withPanel(
      new TimeseriesPanel()
        .id(OVERVIEW_PANELS.errorRateByUser)
        .title('Error rate by user (status ≥ 400)')
        .description('Share of each user’s calls that failed, for the ten users with most errors. Click a line for that user’s detail.')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('timeseries').groupBy('user').metric('error_rate').topN(10).refId('A'))
        .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Bottom).calcs(['mean', 'max']).sortBy('Max').sortDesc(true))
        .dataLinks([USER_SERIES_LINK])
        .unit('percentunit')
        .min(0)
        .max(1)
        .height(8)
        .span(12),
    );
}
