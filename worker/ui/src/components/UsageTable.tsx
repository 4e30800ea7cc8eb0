/**
 * The per-user table. Every header is a sort button (the worker sorts, so the order holds across
 * pages); each row's user is a button that opens the user's detail row beneath it (and closes it
 * again), and Up/Down/Home/End move between rows without tabbing through them.
 */
import { Fragment, type KeyboardEvent, type ReactNode } from 'react';
import { EVENT_LABELS, USAGE_EVENTS } from '@usage-lens/contract';
import { formatCount } from '../format.ts';
import type { UserSort } from '../types.ts';
import { PERIOD_LABELS, type UsageRow, type UsageView } from '../usage-data.ts';

interface Column {
  sort: UserSort;
  label: string;
  value?: (row: UsageRow) => number;
}

export const COLUMNS: readonly Column[] = [
  { sort: 'name', label: 'User' },
  { sort: 'total', label: 'Total', value: (r) => r.total },
  ...USAGE_EVENTS.map((e): Column => ({ sort: e, label: EVENT_LABELS[e], value: (r) => r.events[e] })),
  { sort: 'errors', label: 'Errors', value: (r) => r.errors },
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
              const active = view.sort === c.sort;
              return (
                <th
                  key={c.sort}
                  scope="col"
                  aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}
                  className={c.value ? 'num' : undefined}
                >
                  <button type="button" className="sort" onClick={() => onSort(c.sort)} data-sort={c.sort}>
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
                    <td key={c.sort} className="num" data-col={c.sort}>
                      {formatCount(c.value!(row))}
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
