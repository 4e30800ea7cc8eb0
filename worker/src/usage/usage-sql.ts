/**
 * The one SQL statement behind every usage answer: a cube of sampling-correct counts by
 * (bucket ×) user × event (× org × status), over a window and filters. Every value is escaped.
 */
import { AE_COLUMNS, USAGE_EVENTS, type GroupDim } from '@usage-lens/contract';
import { dateTime, datasetIdentifier, quoteList } from './sql.ts';
import type { UsageParams } from './params.ts';

/** Columns of the cube, by group dimension. user and event are always there. */
const DIM_COLUMNS: Record<GroupDim, string> = {
  user: AE_COLUMNS.userId,
  event: AE_COLUMNS.event,
  org: AE_COLUMNS.orgId,
  status: AE_COLUMNS.status,
};

export function buildUsageSql(params: UsageParams, dataset: string): string {
  const select: string[] = [];
  const groupBy: string[] = [];
  if (params.interval !== null) {
    select.push(`toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '${params.interval}' SECOND)) AS bucket`);
    groupBy.push('bucket');
  }
  for (const dim of ['user', 'event', 'org', 'status'] as const) {
    if (dim === 'user' || dim === 'event' || params.group.includes(dim)) {
      select.push(`${DIM_COLUMNS[dim]} AS ${dim}`);
      groupBy.push(dim);
    }
  }
  select.push(
    `SUM(_sample_interval) AS total`,
    `sumIf(_sample_interval, ${AE_COLUMNS.status} >= 400) AS errors`,
  );
  const where = [
    `timestamp >= ${dateTime(Math.floor(params.from / 1000))}`,
    `timestamp < ${dateTime(Math.ceil(params.to / 1000))}`,
    `${AE_COLUMNS.event} IN ${quoteList(params.events.length ? params.events : USAGE_EVENTS)}`,
  ];
  if (params.users.length) where.push(`${AE_COLUMNS.userId} IN ${quoteList(params.users)}`);
  if (params.orgs.length) where.push(`${AE_COLUMNS.orgId} IN ${quoteList(params.orgs)}`);
  return [
    `SELECT ${select.join(', ')}`,
    `FROM ${datasetIdentifier(dataset)}`,
    `WHERE ${where.join(' AND ')}`,
    `GROUP BY ${groupBy.join(', ')}`,
    `ORDER BY ${groupBy.join(', ')}`,
    'FORMAT JSON',
  ].join('\n');
}

