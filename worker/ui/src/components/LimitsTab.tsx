/**
 * The Limits tab: the limit mode and the configured per-minute limits of each tier (read-only:
 * wrangler config), the limits recommended from history (GET /api/admin/limits, for a period and a
 * headroom), the users over a limit, and the tiers given to users and organisations
 * (GET|PUT|DELETE /api/admin/limits/tiers).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { EVENT_LABELS, LIMIT_CLASSES, LIMIT_TIERS, RECOMMENDATION, type LimitTier } from '@usage-lens/contract';
import { apiFetch } from '../api.ts';
import { formatCount, formatDateTime, formatRelative } from '../format.ts';
import { messageOf, useAction, useLimits, useOrgs, useTiers, useUserSearch } from '../hooks.ts';
import {
  canGiveHigh,
  CLASS_ROWS,
  HEADROOMS,
  INITIAL_LIMITS_VIEW,
  MODE_TEXT,
  overText,
  pickerHint,
  RECOMMEND_PERIOD_LABELS,
  tierPath,
  type LimitsView,
} from '../limits-data.ts';
import type { Distribution, LimitsReport, RecommendPeriod, TierAssignment, TiersAnswer, TierSubject, UserOver } from '../types.ts';


/** Gives (PUT) a user or organisation a tier, or takes it back (DELETE). */
async function putTier(type: TierSubject, id: string, tier: LimitTier | null): Promise<void> {
  if (tier === null) await apiFetch(tierPath(type, id), { method: 'DELETE' });
  else await apiFetch(tierPath(type, id), { method: 'PUT', body: { tier } });
}

export function LimitsTab() {
  const tiers = useTiers();
  const [view, setView] = useState<LimitsView>(INITIAL_LIMITS_VIEW);
  const limits = useLimits(view);
  const ids = useId();

  /** After a tier change: the assignments, and who is over whose limit, as the worker now sees them. */
  const changed = async () => {
    await Promise.all([tiers.mutate(), limits.refresh()]);
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="stack">
      <h2 id={`${ids}-title`} className="sr-only">
        Limits
      </h2>
      {tiers.error && (
        <div role="alert" className="notice error">
          Tiers: {tiers.error.message}
        </div>
      )}
      <Configured tiers={tiers.data} failed={!!tiers.error} />
      <Recommendations view={view} onView={setView} limits={limits} />
      <UsersOver report={limits.report} failed={!!limits.error} onChanged={changed} />
      <Assignments tiers={tiers.data} loading={tiers.isLoading} failed={!!tiers.error} onChanged={changed} />
    </section>
  );
}

function Configured({ tiers, failed }: { tiers: TiersAnswer | undefined; failed: boolean }) {
  const ids = useId();
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Configured limits</h3>
      <p data-testid="limits-mode">
        Mode: <strong>{tiers?.mode ?? '…'}</strong>
        {tiers && <> · {MODE_TEXT[tiers.mode]}</>}
      </p>
      <p className="muted small">
        The mode is <code>LIMITS_MODE</code> and the limits are the Rate Limiting bindings in <code>wrangler.toml</code>: read-only here.
        Everyone has the {tiers?.defaultTier ?? 'standard'} tier unless given another below
        {tiers ? `; a change applies within ${tiers.appliesWithinSeconds} s` : ''}.
      </p>
      <div className="table-wrap">
        <table data-testid="limits-configured" aria-busy={!tiers && !failed}>
          <caption>Calls per minute per user, by tier and class</caption>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              {CLASS_ROWS.map(({ cls, events }) => (
                <th key={cls} scope="col" className="num">
                  {cls} <span className="muted small">({events})</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {LIMIT_TIERS.map((tier) => (
              <tr key={tier} data-tier={tier}>
                <th scope="row">
                  {tier}
                  {tier === tiers?.defaultTier && <span className="badge">everyone else</span>}
                </th>
                {LIMIT_CLASSES.map((cls) => (
                  <td key={cls} className="num" data-col={cls}>
                    {tiers ? formatCount(tiers.perMinute[tier][cls]) : '…'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const QUANTILE_KEYS: readonly (keyof Distribution)[] = ['p50', 'p90', 'p99', 'max'];

function Recommendations({
  view,
  onView,
  limits,
}: {
  view: LimitsView;
  onView: (update: (v: LimitsView) => LimitsView) => void;
  limits: ReturnType<typeof useLimits>;
}) {
  const ids = useId();
  const report = limits.report;
  return (
    <section className="card stack" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Recommended limits</h3>
      <div className="toolbar">
        <fieldset className="segmented">
          <legend>History</legend>
          <div className="options">
            {RECOMMENDATION.periods.map((p: RecommendPeriod) => (
              <label key={p}>
                <input
                  type="radio"
                  name={`${ids}-period`}
                  value={p}
                  checked={view.period === p}
                  onChange={() => onView((v) => ({ ...v, period: p }))}
                />
                <span title={RECOMMEND_PERIOD_LABELS[p]}>{p}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="search">
          <label htmlFor={`${ids}-headroom`}>Headroom</label>
          <select
            id={`${ids}-headroom`}
            value={String(view.headroom)}
            onChange={(e) => onView((v) => ({ ...v, headroom: Number(e.target.value) }))}
          >
            {HEADROOMS.map((h) => (
              <option key={h} value={String(h)}>
                × {h}
              </option>
            ))}
          </select>
        </div>
      </div>
      {report && (
        <p className="muted small" data-testid="limits-window">
          {RECOMMEND_PERIOD_LABELS[report.window.period]}: {formatDateTime(report.window.from)} to {formatDateTime(report.window.to)} (today,
          still running, is left out) · dataset <code>{report.dataset}</code>. Recommended = the 99th percentile × {report.headroom}, rounded up,
          at least {formatCount(report.floors.perMinute)} a minute and {formatCount(report.floors.perDay)} a day. The per-day figure is advice:
          the limits are per minute.
        </p>
      )}
      {limits.error && (
        <div role="alert" className="notice error" data-testid="limits-error">
          {limits.error.message}
        </div>
      )}
      <div className="table-wrap">
        <table
          className="limits"
          data-testid="limits-recommendations"
          aria-busy={limits.isLoading || limits.isStale}
          data-shown={report ? `${report.window.period}|${report.headroom}` : ''}
        >
          <caption>Calls per user, over the days each user made such a call</caption>
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>
                Event
              </th>
              <th scope="col" rowSpan={2} className="num">
                Users
              </th>
              <th scope="colgroup" colSpan={4} className="group">
                A user’s day
              </th>
              <th scope="colgroup" colSpan={4} className="group">
                Their busiest minute
              </th>
              <th scope="colgroup" colSpan={2} className="group">
                Recommended
              </th>
              <th scope="colgroup" colSpan={LIMIT_TIERS.length} className="group">
                Configured a minute
              </th>
            </tr>
            <tr>
              {['day', 'minute'].flatMap((unit) =>
                QUANTILE_KEYS.map((q) => (
                  <th key={`${unit}-${q}`} scope="col" className="num">
                    {q}
                  </th>
                )),
              )}
              <th scope="col" className="num">
                a minute
              </th>
              <th scope="col" className="num">
                a day
              </th>
              {LIMIT_TIERS.map((tier) => (
                <th key={tier} scope="col" className="num">
                  {tier}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report?.events.map((e) => (
              <tr key={e.event} data-event={e.event}>
                <th scope="row">
                  {EVENT_LABELS[e.event]} <span className="muted small">({e.class})</span>
                </th>
                <td className="num" data-col="users" title={`${formatCount(e.userDays)} user-days`}>
                  {formatCount(e.users)}
                </td>
                {QUANTILE_KEYS.map((q) => (
                  <td key={`day-${q}`} className="num" data-col={`day-${q}`}>
                    {formatCount(e.day[q])}
                  </td>
                ))}
                {QUANTILE_KEYS.map((q) => (
                  <td key={`minute-${q}`} className="num" data-col={`minute-${q}`}>
                    {formatCount(e.minute[q])}
                  </td>
                ))}
                <td className="num strong" data-col="recommended-minute">
                  {formatCount(e.recommended.perMinute)}
                </td>
                <td className="num" data-col="recommended-day">
                  {formatCount(e.recommended.perDay)}
                </td>
                {LIMIT_TIERS.map((tier) => (
                  <td key={tier} className="num" data-col={`configured-${tier}`}>
                    {formatCount(e.configured.perMinute[tier])}
                  </td>
                ))}
              </tr>
            ))}
            {!report && (
              <tr>
                <td colSpan={2 + 2 * QUANTILE_KEYS.length + 2 + LIMIT_TIERS.length} className="empty">
                  {limits.error ? 'No recommendations: see the message above.' : 'Reading the history…'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type RowState = { state: 'saving' } | { state: 'failed'; message: string };

function UsersOver({ report, failed, onChanged }: { report: LimitsReport | undefined; failed: boolean; onChanged: () => Promise<void> }) {
  const ids = useId();
  const [status, setStatus] = useState<Record<string, RowState | undefined>>({});
  const rows = report?.usersOver ?? [];

  async function giveHigh(user: UserOver) {
    setStatus((s) => ({ ...s, [user.id]: { state: 'saving' } }));
    try {
      await putTier('user', user.id, 'high');
      await onChanged();
      setStatus((s) => ({ ...s, [user.id]: undefined }));
    } catch (error) {
      setStatus((s) => ({ ...s, [user.id]: { state: 'failed', message: messageOf(error) } }));
    }
  }

  return (
    <section className="card stack" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Users over a limit</h3>
      <p className="muted small">
        Per user and event, busiest first: days over the recommended daily figure, minutes over the recommended per-minute limit, and
        minutes over the configured limit of the user’s own tier. Someone legitimately this busy gets the high tier, rather than a higher
        limit for everyone.
      </p>
      <div className="table-wrap">
        <table className="over" data-testid="limits-users-over" aria-busy={!report && !failed}>
          <caption>Users over a recommended or configured limit{report ? `: ${formatCount(rows.length)}` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Event</th>
              <th scope="col">Tier</th>
              <th scope="col">Over the recommended per day</th>
              <th scope="col">Over the recommended per minute</th>
              <th scope="col">Over their tier’s limit</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => {
              const label = u.name ?? u.id;
              const state = status[u.id];
              return (
                <tr key={`${u.id}|${u.event}`} data-user-id={u.id} data-event={u.event}>
                  <th scope="row">
                    <span className={u.name === null ? 'user-name unknown' : 'user-name'}>{label}</span>
                    <span className="user-detail">{u.email ?? (u.name === null ? 'not in the user table' : '')}</span>
                  </th>
                  <td>{EVENT_LABELS[u.event]}</td>
                  <td data-col="tier">{u.tier}</td>
                  <td data-col="days-over">{overText(u.daysOverRecommended, 'day', u.callsOverRecommendedPerDay, formatCount)}</td>
                  <td data-col="minutes-over">{overText(u.minutesOverRecommended, 'minute', u.callsOverRecommendedPerMinute, formatCount)}</td>
                  <td data-col="configured-over">{overText(u.minutesOverConfigured, 'minute', u.callsOverConfigured, formatCount)}</td>
                  <td className="actions">
                    {canGiveHigh(u) && (
                      <button type="button" onClick={() => giveHigh(u)} disabled={state?.state === 'saving'} aria-label={`Give ${label} the high tier`}>
                        {state?.state === 'saving' ? 'Giving…' : 'Give high tier'}
                      </button>
                    )}
                    {state?.state === 'failed' && (
                      <span role="alert" className="error">
                        {state.message}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
            {report && rows.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  Nobody went over a recommended or configured limit in this window.
                </td>
              </tr>
            )}
            {!report && (
              <tr>
                <td colSpan={7} className="empty">
                  {failed ? 'Nobody to show: the recommendations did not load (see the message above).' : 'Reading the history…'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Assignments({
  tiers,
  loading,
  failed,
  onChanged,
}: {
  tiers: TiersAnswer | undefined;
  loading: boolean;
  failed: boolean;
  onChanged: () => Promise<void>;
}) {
  const ids = useId();
  const list = tiers?.assignments ?? [];
  const now = Date.now();
  return (
    <section className="card stack" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Tiers given</h3>
      <GiveTier onChanged={onChanged} />
      <div className="table-wrap">
        <table data-testid="limits-assignments" aria-busy={loading}>
          <caption>Users and organisations with a tier of their own: a user’s beats their organisation’s</caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Kind</th>
              <th scope="col">Tier</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <AssignmentRow key={`${a.type}|${a.id}`} assignment={a} now={now} onChanged={onChanged} />
            ))}
            {list.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  {loading
                    ? 'Loading tiers…'
                    : failed
                      ? 'No tiers to show: see the message above.'
                      : `No tiers given: everyone has the ${tiers?.defaultTier ?? 'standard'} tier.`}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function AssignmentRow({ assignment: a, now, onChanged }: { assignment: TierAssignment; now: number; onChanged: () => Promise<void> }) {
  const { pending, error, run } = useAction();
  const label = a.name ?? a.id;

  const change = (tier: LimitTier | null) =>
    run(async () => {
      await putTier(a.type, a.id, tier);
      await onChanged();
    });

  return (
    <tr data-subject={`${a.type}:${a.id}`} data-tier={a.tier}>
      <th scope="row">
        <span className={a.name === null ? 'user-name unknown' : 'user-name'}>{label}</span>
        <span className="user-detail">{a.email ?? (a.name === null ? 'no longer exists' : a.id)}</span>
      </th>
      <td>{a.type === 'user' ? 'user' : 'organisation'}</td>
      <td>
        <select aria-label={`Tier of ${label}`} value={a.tier} disabled={pending} onChange={(e) => change(e.target.value as LimitTier)}>
          {LIMIT_TIERS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </td>
      <td title={formatDateTime(a.updatedAt)}>{formatRelative(a.updatedAt, now)}</td>
      <td className="actions">
        <button type="button" onClick={() => change(null)} disabled={pending} aria-label={`Remove the tier of ${label}`}>
          Remove
        </button>
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}

/** Users the picker offers at a time: the search narrows them. */
const PICK_LIMIT = 20;
const SEARCH_SETTLE_MS = 300;

function GiveTier({ onChanged }: { onChanged: () => Promise<void> }) {
  const ids = useId();
  const [type, setType] = useState<TierSubject>('user');
  const [search, setSearch] = useState('');
  const [asked, setAsked] = useState('');
  const [userId, setUserId] = useState('');
  const [orgId, setOrgId] = useState('');
  const [tier, setTier] = useState<LimitTier>('high');
  const { pending, error, run } = useAction();
  const matches = useUserSearch(asked, PICK_LIMIT);
  const orgs = useOrgs();

  useEffect(() => {
    if (search.trim() === asked.trim()) return;
    const timer = setTimeout(() => setAsked(search), SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [search, asked]);

  const found = matches.data?.users ?? [];
  const id = type === 'user' ? userId : orgId.trim();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      await putTier(type, id, tier);
      setUserId('');
      setOrgId('');
      setSearch('');
      await onChanged();
    });
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Give a tier">
      <fieldset className="segmented">
        <legend>Give a tier to</legend>
        <div className="options">
          {(['user', 'org'] as const).map((t) => (
            <label key={t}>
              <input type="radio" name={`${ids}-type`} value={t} checked={type === t} onChange={() => setType(t)} />
              <span>{t === 'user' ? 'a user' : 'an organisation'}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {type === 'user' ? (
        <>
          <label htmlFor={`${ids}-find`}>Find user</label>
          <input
            id={`${ids}-find`}
            type="search"
            placeholder="Name, email or id"
            value={search}
            maxLength={100}
            onChange={(e) => setSearch(e.target.value)}
          />
          <label htmlFor={`${ids}-user`}>User</label>
          <select id={`${ids}-user`} value={userId} onChange={(e) => setUserId(e.target.value)} aria-busy={matches.isLoading}>
            <option value="">
              {pickerHint(asked, matches.isLoading, matches.data && { total: matches.data.page.total, shown: found.length }, formatCount)}
            </option>
            {found.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </>
      ) : (
        <>
          <label htmlFor={`${ids}-org`}>Organisation id</label>
          <input id={`${ids}-org`} list={`${ids}-orgs`} value={orgId} onChange={(e) => setOrgId(e.target.value)} maxLength={256} placeholder="org_…" />
          <datalist id={`${ids}-orgs`}>
            {orgs.data?.orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </datalist>
        </>
      )}
      <label htmlFor={`${ids}-tier`}>Tier</label>
      <select id={`${ids}-tier`} value={tier} onChange={(e) => setTier(e.target.value as LimitTier)}>
        {LIMIT_TIERS.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <button type="submit" className="primary" disabled={pending || !id}>
        {pending ? 'Saving…' : 'Give tier'}
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </form>
  );
}
