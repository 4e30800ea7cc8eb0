/**
 * The per-user table. Every header is a sort button (the worker sorts, so the order holds across
 * pages); each row's user is a button that opens the user's detail row beneath it (and closes it
 * again), and Up/Down/Home/End move between rows without tabbing through them.
 */
import { Fragment, type KeyboardEvent, type ReactNode } from 'react';
import { EVENT_LABELS, USAGE_EVENTS } from '@usage-lens/contract';
import { formatCount, formatShare, formatUsd } from '../format.ts';
import type { UserSort } from '../types.ts';
import { PERIOD_LABELS, type UsageRow, type UsageView } from '../usage-data.ts';

interface Column {
  /** `data-col` of the column's cells. */
  key: string;
  label: string;
  /** What the worker sorts by for this column; none for columns it cannot sort by. */
  sort?: UserSort;
  text?: (row: UsageRow) => string;
  title?: (row: UsageRow) => string | undefined;
}

const count = (value: (r: UsageRow) => number) => (r: UsageRow) => formatCount(value(r));

export const COLUMNS: readonly Column[] = [
  { key: 'name', sort: 'name', label: 'User' },
  { key: 'total', sort: 'total', label: 'Total', text: count((r) => r.total) },
  ...USAGE_EVENTS.map((e): Column => ({ key: e, sort: e, label: EVENT_LABELS[e], text: count((r) => r.events[e]) })),
  { key: 'errors', sort: 'errors', label: 'Errors', text: count((r) => r.errors) },
  // The worker sorts by neither: calls over the limit are not a sort key, and cost follows Total.
  { key: 'over_limit', label: 'Over limit', text: count((r) => r.overLimit) },
  {
    key: 'cost',
    label: 'AE cost / month',
    text: (r) => formatUsd(r.monthlyUsd),
    title: (r) => (r.share === null ? 'No cost: the totals are filtered' : `${formatShare(r.share, 1)} of the period’s writes`),
  },
];

const ORDER_WORDS = { asc: 'ascending', desc: 'descending' } as const;

function moveFocus(event: KeyboardEvent<HTMLTableSectionElement>) {
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.row-user')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at === -1) return;
  const next =
    event.key === 'ArrowDown'
      ? Math.min(at + 1, buttons.length - 1)
      : event.key === 'ArrowUp'
        ? Math.max(at - 1, 0)
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? buttons.length - 1
            : -1;
  if (next === -1) return;
  event.preventDefault();
  buttons[next].focus();
}

export function UsageTable({
  rows,
  view,
  loading,
  stale,
  failed,
  shown,
  selectedId,
  detail,
  onSort,
  onSelect,
}: {
  rows: UsageRow[];
  view: UsageView;
  loading: boolean;
  stale: boolean;
  failed: boolean;
  /** answerKey of the rows on screen. */
  shown: string;
  selectedId: string | null;
  /** Shown in a row of its own under the selected user's row. */
  detail: ReactNode;
  onSort: (sort: UserSort) => void;
  onSelect: (row: UsageRow) => void;
}) {
  const sortedBy = COLUMNS.find((c) => c.sort === view.sort)?.label ?? view.sort;
  const q = view.q.trim();
  return (
    <div className="table-wrap">
      <table className="usage" data-testid="usage-table" aria-busy={loading || stale} data-shown={shown}>
        <caption>
          Usage per user, {PERIOD_LABELS[view.period].toLowerCase()}, sorted by {sortedBy} ({ORDER_WORDS[view.order]})
          {q ? `, matching “${q}”` : ''}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const sort = c.sort;
              if (!sort) {
                return (
                  <th key={c.key} scope="col" className="num">
                    {c.label}
                  </th>
                );
              }
              const active = view.sort === sort;
              return (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}
                  className={c.text ? 'num' : undefined}
                >
                  <button type="button" className="sort" onClick={() => onSort(sort)} data-sort={sort}>
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (view.order === 'asc' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody onKeyDown={moveFocus}>
          {rows.map((row) => {
            const open = row.id === selectedId;
            return (
              <Fragment key={row.id}>
                <tr data-user-id={row.id} className={open ? 'selected' : undefined}>
                  <th scope="row">
                    <button
                      type="button"
                      className="row-user"
                      aria-expanded={open}
                      aria-controls={open ? 'user-detail-row' : undefined}
                      title={open ? 'Hide events over time' : 'Show events over time'}
                      onClick={() => onSelect(row)}
                    >
                      <span className={row.known ? 'user-name' : 'user-name unknown'}>{row.label}</span>
                      {row.detail && <span className="user-detail">{row.detail}</span>}
                    </button>
                  </th>
                  {COLUMNS.slice(1).map((c) => (
                    <td key={c.key} className="num" data-col={c.key} title={c.title?.(row)}>
                      {c.text!(row)}
                    </td>
                  ))}
                </tr>
                {open && (
                  <tr className="detail-row" id="user-detail-row">
                    <td colSpan={COLUMNS.length}>{detail}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
          {rows.length === 0 && (
            <tr>
              <td colSpan={COLUMNS.length} className="empty" data-testid="usage-empty">
                {failed
                  ? 'No data: see the message above.'
                  : loading
                    ? 'Loading usage…'
                    : q
                      ? `No active users match “${q}”.`
                      : `No usage ${PERIOD_LABELS[view.period].toLowerCase()}.`}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
