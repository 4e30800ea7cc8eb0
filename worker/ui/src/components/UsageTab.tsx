/**
 * The Usage tab: a period, the window's totals, one page of per-user rows (sorted, searched and
 * paged by the worker, so 10,000 users cost the browser one page), and the selected user's events
 * over time.
 */
import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { EVENT_LABELS, USAGE_EVENTS } from '@usage-lens/contract';
import { formatCount, formatDateTime, formatShare } from '../format.ts';
import { useUsage, useUserSeries } from '../hooks.ts';
import type { Period } from '../types.ts';
import {
  answerKey,
  INITIAL_VIEW,
  pageRange,
  PAGE_SIZE,
  PERIOD_LABELS,
  sortBy,
  type EventSeries,
  type UsageRow,
  type UsageView,
} from '../usage-data.ts';
// uPlot is a sixth of the bundle and only draws once a user is selected: it loads then.
const EventsChart = lazy(() => import('./EventsChart.tsx').then((m) => ({ default: m.EventsChart })));
import { UsageTable } from './UsageTable.tsx';

/** Typing settles for this long before the search goes to the worker (Enter sends it at once). */
const SEARCH_SETTLE_MS = 300;

export function UsageTab() {
  const [view, setView] = useState<UsageView>(INITIAL_VIEW);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<UsageRow | null>(null);
  const usage = useUsage(view);
  const ids = useId();

  useEffect(() => {
    if (search.trim() === view.q.trim()) return;
    const timer = setTimeout(() => setView((v) => ({ ...v, q: search, offset: 0 })), SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [search, view.q]);

  const report = usage.report;
  const totals = report?.totals;
  const shown = usage.rows.length;

  return (
    <section aria-labelledby={`${ids}-title`} className="stack">
      <h2 id={`${ids}-title`} className="sr-only">
        Usage
      </h2>
      <div className="toolbar">
        <fieldset className="segmented">
          <legend>Period</legend>
          <div className="options">
            {(Object.keys(PERIOD_LABELS) as Period[]).map((p) => (
              <label key={p}>
                <input
                  type="radio"
                  name={`${ids}-period`}
                  value={p}
                  checked={view.period === p}
                  onChange={() => setView((v) => ({ ...v, period: p, offset: 0 }))}
                />
                <span title={PERIOD_LABELS[p]}>{p}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <form
          role="search"
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            setView((v) => ({ ...v, q: search, offset: 0 }));
          }}
        >
          <label htmlFor={`${ids}-search`}>Search users</label>
          <input
            id={`${ids}-search`}
            type="search"
            placeholder="Name or email"
            value={search}
            maxLength={100}
            onChange={(e) => setSearch(e.target.value)}
          />
        </form>
      </div>

      <div className="stats" aria-busy={usage.isLoading || usage.isStale} aria-live="polite">
        <Stat testId="stat-events" label="Total events" value={totals ? formatCount(totals.events) : '…'} />
        <Stat testId="stat-users" label="Active users" value={totals ? formatCount(totals.activeUsers) : '…'} />
        <Stat
          testId="stat-errors"
          label="Errors"
          value={totals ? formatCount(totals.errors) : '…'}
          note={totals ? `${formatShare(totals.errors, totals.events)} of events` : undefined}
        />
        <Stat
          testId="stat-over-limit"
          label="Over the limit"
          value={totals ? formatCount(totals.overLimit ?? 0) : '…'}
          note={totals ? `${formatShare(totals.overLimit ?? 0, totals.events)} of events` : undefined}
        />
      </div>
      {report && (
        <p className="muted small" data-testid="usage-window">
          {PERIOD_LABELS[report.window.period ?? view.period]}: {formatDateTime(report.window.from)} to {formatDateTime(report.window.to)} ·
          dataset <code>{report.dataset}</code>
        </p>
      )}

      {usage.error && (
        <div role="alert" className="notice error" data-testid="usage-error">
          {usage.error.message}
        </div>
      )}

      <p className="muted small">Select a user to see their events over time; the table is sorted, searched and paged by the worker.</p>
      <UsageTable
        rows={usage.rows}
        view={view}
        loading={usage.isLoading}
        stale={usage.isStale}
        failed={!!usage.error && !report}
        shown={report ? answerKey(report) : ''}
        selectedId={selected?.id ?? null}
        detail={selected && <UserSeries period={view.period} user={selected} />}
        onSort={(sort) => setView((v) => sortBy(v, sort))}
        onSelect={(row) => setSelected((current) => (current?.id === row.id ? null : row))}
      />

      {report && (
        <nav className="pager" aria-label="Pages of users">
          <span data-testid="page-range" aria-live="polite">
            {pageRange(report.page, shown, formatCount)}
          </span>
          <button
            type="button"
            disabled={report.page.offset === 0 || usage.isStale}
            onClick={() => setView((v) => ({ ...v, offset: Math.max(0, v.offset - PAGE_SIZE) }))}
          >
            Previous
          </button>
          <button
            type="button"
            disabled={report.page.nextOffset === null || usage.isStale}
            onClick={() => setView((v) => ({ ...v, offset: report.page.nextOffset ?? v.offset }))}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function Stat({ label, value, note, testId }: { label: string; value: string; note?: string; testId: string }) {
  return (
    <div className="stat card">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      {note && <div className="muted small">{note}</div>}
    </div>
  );
}

const totalsText = (series: EventSeries, separator: string) =>
  USAGE_EVENTS.map((e) => `${EVENT_LABELS[e]} ${formatCount(series.totals[e])}`).join(separator);

function UserSeries({ period, user }: { period: Period; user: UsageRow }) {
  const { series, error, isLoading } = useUserSeries(period, user.id);
  const title = `Events over time: ${user.label}`;
  return (
    <section
      className="chart-card"
      aria-labelledby="series-title"
      aria-busy={isLoading}
      data-testid="user-series"
      data-user-id={series ? user.id : undefined}
    >
      <h3 id="series-title">{title}</h3>
      {error && (
        <p role="alert" className="notice error">
          {error.message}
        </p>
      )}
      {isLoading && <p className="muted">Loading events over time…</p>}
      {series && (
        <>
          <Suspense fallback={<p className="muted">Loading the chart…</p>}>
            <EventsChart series={series} label={`${title}, ${PERIOD_LABELS[period].toLowerCase()}: ${totalsText(series, ', ')}`} />
          </Suspense>
          <p className="muted small" data-testid="series-totals">
            {totalsText(series, ' · ')}
          </p>
        </>
      )}
    </section>
  );
}
