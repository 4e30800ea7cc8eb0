/**
 * User detail: one user's calls over time by event and by status. The user variable lists users by
 * name (the plugin's variable support) and filters by id.
 */
import { DashboardBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { BigValueGraphMode, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DATASOURCES } from '../config.ts';
import { UsageQueryBuilder } from '../query.ts';
import { periodPicker, seriesLegend } from './usage-overview.ts';
import { linkTo, USAGE_OVERVIEW_UID, USER_DETAIL_PANELS, USER_DETAIL_UID } from './links.ts';

export { USER_DETAIL_UID };
const USER = ['$user'];

export function userDetail() {
  return new DashboardBuilder('User detail')
    .uid(USER_DETAIL_UID)
    .description('One user’s API usage: events and statuses over time')
    .tags(['usage-lens'])
    .time({ from: 'now-7d', to: 'now' })
    .timepicker(periodPicker())
    .refresh('1m')
    .timezone('browser')
    .readonly()
    .links([linkTo('Usage overview', USAGE_OVERVIEW_UID, 'Every user, totals and AE cost')])
    .withVariable(
      new QueryVariableBuilder('user')
        .label('User')
        .datasource(DATASOURCES.worker)
        .query({ kind: 'users' })
        .definition('Usage Lens users')
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalCaseInsensitiveAsc),
    )
    .withPanel(
      new StatPanel()
        .id(USER_DETAIL_PANELS.calls)
        .title('Calls by $user')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('totals').users(USER).refId('A'))
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('/^Total events$/').values(false))
        .graphMode(BigValueGraphMode.None)
        .decimals(0)
        .height(6)
        .span(6),
    )
    .withPanel(
      new TablePanel()
        .id(USER_DETAIL_PANELS.statuses)
        .title('Statuses')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('status').users(USER).refId('A'))
        .height(6)
        .span(18),
    )
    .withPanel(
      new TimeseriesPanel()
        .id(USER_DETAIL_PANELS.eventsOverTime)
        .title('Events over time')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('timeseries').users(USER).groupBy('event').metric('events').refId('A'))
        .legend(seriesLegend())
        .unit('short')
        .height(9)
        .span(24),
    )
    .withPanel(
      new TimeseriesPanel()
        .id(USER_DETAIL_PANELS.statusesOverTime)
        .title('Statuses over time')
        .datasource(DATASOURCES.worker)
        .withTarget(new UsageQueryBuilder('timeseries').users(USER).groupBy('status').metric('events').refId('A'))
        .legend(seriesLegend())
        .unit('short')
        .height(9)
        .span(24),
    );
}
