/**
 * The generated dashboards as an admin and Grafana meet them: stable panel ids that alert rules can
 * name, legends where a panel has several series, links from a user to their detail dashboard,
 * and links between the two dashboards.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/generate.ts';
import { LIMITS_PANELS, LIMITS_UID, OVERVIEW_PANELS, USAGE_OVERVIEW_UID, USER_DETAIL_UID } from '../src/dashboards/links.ts';
import { LIMITS_FRAMES } from '../src/dashboards/limits.ts';

interface Link {
  title: string;
  url: string;
}
interface Panel {
  id?: number;
  type: string;
  title: string;
  targets: { queryType: string; groupBy?: string; metric?: string; topN?: number; refId?: string }[];
  options?: { legend?: { showLegend: boolean; displayMode: string }; frameIndex?: number };
  fieldConfig: { defaults: { links?: Link[] }; overrides: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[] };
}
interface Dashboard {
  uid: string;
  title: string;
  links: { type: string; url: string; keepTime: boolean }[];
  panels: Panel[];
  templating: { list: { name: string }[] };
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const dashboards: Dashboard[] = ['dashboards/usage-overview.json', 'dashboards/user-detail.json', 'dashboards/limits.json'].map(
  (f) => JSON.parse(read(f)) as Dashboard,
);
const byUid = Object.fromEntries(dashboards.map((d) => [d.uid, d]));

interface Rule {
  uid: string;
  title: string;
  annotations: Record<string, string>;
}
const rules = (parse(read('alerting/rules.yaml')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/**
 * Grafana takes a rule's panel link from two annotations and refuses a rule with only one of them,
 * or with a panel id that is not an integer: SetDashboardAndPanelFromAnnotations in
 * pkg/services/ngalert/models/alert_rule.go (12.x), called when the file provisioner creates the
 * rule. Returns the problem, or undefined.
 */
export function panelLinkProblem(annotations: Record<string, string>, known: Record<string, Dashboard>): string | undefined {
  const dashboardUid = annotations.__dashboardUid__ ?? '';
  const panelId = annotations.__panelId__ ?? '';
  if ((dashboardUid !== '') !== (panelId !== '')) return 'both annotations __dashboardUid__ and __panelId__ must be specified';
  if (dashboardUid === '') return undefined;
  if (!/^[+-]?\d+$/.test(panelId)) return 'annotation __panelId__ must be a valid integer Panel ID';
  const dashboard = known[dashboardUid];
  if (!dashboard) return `no dashboard ${dashboardUid}`;
  if (!dashboard.panels.some((p) => p.id === Number(panelId))) return `${dashboard.title} has no panel ${panelId}`;
  return undefined;
}

describe('panel ids', () => {
  it.each(dashboards.map((d) => [d.title, d]))('%s: every panel has its own integer id', (_title, dashboard) => {
    const ids = dashboard.panels.map((p) => p.id);
    for (const id of ids) expect(Number.isInteger(id) && id! > 0).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stay where alert rules and bookmarks expect them', () => {
    const overview = byUid[USAGE_OVERVIEW_UID];
    for (const [name, id] of Object.entries(OVERVIEW_PANELS)) expect(overview.panels.find((p) => p.id === id), name).toBeDefined();
    expect(overview.panels.find((p) => p.id === OVERVIEW_PANELS.topUsers)!.title).toBe('Top users over time');
    expect(overview.panels.find((p) => p.id === OVERVIEW_PANELS.errorRateByUser)!.title).toBe('Error rate by user (status ≥ 400)');
    const limits = byUid[LIMITS_UID];
    for (const [name, id] of Object.entries(LIMITS_PANELS)) expect(limits.panels.find((p) => p.id === id), name).toBeDefined();
    expect(limits.panels.find((p) => p.id === LIMITS_PANELS.overLimitByUser)!.title).toBe('Calls over the limit by user');
  });
});

describe('alert rules point at the panel that shows their query', () => {
  it('every rule has both annotations, naming a dashboard and panel that exist', () => {
    expect(rules.length).toBe(4);
    for (const rule of rules) {
      expect(panelLinkProblem(rule.annotations, byUid), rule.title).toBeUndefined();
      expect(rule.annotations.__panelId__, rule.title).toBeDefined();
    }
  });

  it('and the check refuses what Grafana refuses', () => {
    const overview = { __dashboardUid__: USAGE_OVERVIEW_UID };
    expect(panelLinkProblem(overview, byUid)).toBe('both annotations __dashboardUid__ and __panelId__ must be specified');
    expect(panelLinkProblem({ __panelId__: '7' }, byUid)).toBe('both annotations __dashboardUid__ and __panelId__ must be specified');
    expect(panelLinkProblem({ ...overview, __panelId__: 'seven' }, byUid)).toBe('annotation __panelId__ must be a valid integer Panel ID');
    expect(panelLinkProblem({ ...overview, __panelId__: '99' }, byUid)).toBe('Usage overview has no panel 99');
    expect(panelLinkProblem({ __dashboardUid__: 'nope', __panelId__: '1' }, byUid)).toBe('no dashboard nope');
    expect(panelLinkProblem({}, byUid)).toBeUndefined();
  });

  it('the per-user rules point at per-user panels', () => {
    const panelOf = (uid: string) => {
      const rule = rules.find((r) => r.uid === uid)!;
      return byUid[rule.annotations.__dashboardUid__].panels.find((p) => p.id === Number(rule.annotations.__panelId__))!;
    };
    // Every user is in the table (the top-users graph shows only ten): the user who fired is there.
    expect(panelOf('usage-lens-user-rate').targets[0]).toMatchObject({ queryType: 'users' });
    expect(panelOf('usage-lens-user-errors').targets[0]).toMatchObject({ queryType: 'timeseries', groupBy: 'user' });
    expect(panelOf('usage-lens-free-tier').targets[0]).toMatchObject({ queryType: 'cost' });
    expect(panelOf('usage-lens-user-over-limit').targets[0]).toMatchObject({ queryType: 'timeseries', groupBy: 'user', metric: 'over_limit' });
  });
});

describe('what an admin works with', () => {
  it('every panel with several series has a legend', () => {
    const multiSeries = dashboards.flatMap((d) => d.panels.filter((p) => p.type === 'timeseries' && p.targets.some((t) => t.groupBy && t.groupBy !== 'total')));
    expect(multiSeries.length).toBe(7);
    for (const panel of multiSeries) {
      expect(panel.options?.legend, panel.title).toMatchObject({ showLegend: true });
      expect(panel.options!.legend!.displayMode, panel.title).not.toBe('hidden');
    }
  });

  it('the per-user table links each user, by the id in the same row, to User detail', () => {
    const table = byUid[USAGE_OVERVIEW_UID].panels.find((p) => p.id === OVERVIEW_PANELS.usersTable)!;
    const userLinks = table.fieldConfig.overrides.find((o) => o.matcher.options === 'User')!.properties.find((p) => p.id === 'links')!.value as Link[];
    expect(userLinks).toHaveLength(1);
    expect(userLinks[0].url).toBe(`/d/${USER_DETAIL_UID}?var-user=\${__data.fields["User ID"]:percentencode}&\${__url_time_range}`);
    // The id column is hidden, not removed: a removed field could not be read by the link.
    expect(table.fieldConfig.overrides.find((o) => o.matcher.options === 'User ID')!.properties).toEqual([{ id: 'custom.hidden', value: true }]);
    expect((table as unknown as { transformations?: unknown[] }).transformations ?? []).toEqual([]);
  });

  it('per-user series link to User detail by their user label', () => {
    for (const id of [OVERVIEW_PANELS.topUsers, OVERVIEW_PANELS.errorRateByUser]) {
      const panel = byUid[USAGE_OVERVIEW_UID].panels.find((p) => p.id === id)!;
      expect(panel.fieldConfig.defaults.links![0].url).toBe(`/d/${USER_DETAIL_UID}?var-user=\${__field.labels.user:percentencode}&\${__url_time_range}`);
    }
  });

  it('User detail takes its user from var-user, and the dashboards link to each other keeping the time range', () => {
    expect(byUid[USER_DETAIL_UID].templating.list.map((v) => v.name)).toContain('user');
    expect(byUid[USAGE_OVERVIEW_UID].links).toEqual([
      expect.objectContaining({ type: 'link', url: `/d/${USER_DETAIL_UID}`, keepTime: true }),
      expect.objectContaining({ type: 'link', url: `/d/${LIMITS_UID}`, keepTime: true }),
    ]);
    expect(byUid[USER_DETAIL_UID].links).toEqual([expect.objectContaining({ type: 'link', url: `/d/${USAGE_OVERVIEW_UID}`, keepTime: true })]);
  });
});

describe('the Limits dashboard', () => {
  const limits = byUid[LIMITS_UID];
  const panel = (id: number) => limits.panels.find((p) => p.id === id)!;

  it('links back to the overview, keeping the time range', () => {
    expect(limits.links).toContainEqual(expect.objectContaining({ type: 'link', url: `/d/${USAGE_OVERVIEW_UID}`, keepTime: true }));
  });

  /**
   * A table panel shows one frame of its data: options.frameIndex when it is in range, else the
   * first (getCurrentFrameIndex in public/app/plugins/panel/table/TablePanel.tsx, grafana/grafana).
   * The two tables are one query, so they share one request, each showing its own frame.
   */
  it('shows the recommendations as two tables of one query, one frame each', () => {
    const perEvent = panel(LIMITS_PANELS.limitsPerEvent);
    const usersOver = panel(LIMITS_PANELS.usersOver);
    expect(perEvent.type).toBe('table');
    expect(usersOver.type).toBe('table');
    expect(perEvent.targets).toEqual(usersOver.targets);
    expect(perEvent.targets[0]).toMatchObject({ queryType: 'limits' });
    expect(perEvent.options!.frameIndex).toBe(LIMITS_FRAMES.perEvent);
    expect(usersOver.options!.frameIndex).toBe(LIMITS_FRAMES.usersOver);
  });

  it('links each user over the limit, by the id in the same row, to User detail', () => {
    const usersOver = panel(LIMITS_PANELS.usersOver);
    const links = usersOver.fieldConfig.overrides.find((o) => o.matcher.options === 'User')!.properties.find((p) => p.id === 'links')!.value as Link[];
    expect(links[0].url).toBe(`/d/${USER_DETAIL_UID}?var-user=\${__data.fields["User ID"]:percentencode}&\${__url_time_range}`);
    for (const id of [LIMITS_PANELS.overLimitByUser, LIMITS_PANELS.throttledByUser]) {
      expect(panel(id).fieldConfig.defaults.links![0].url, panel(id).title).toBe(`/d/${USER_DETAIL_UID}?var-user=\${__field.labels.user:percentencode}&\${__url_time_range}`);
    }
  });

  it('graphs the top 10 users over the limit and throttled, and counts every call over the limit', () => {
    expect(panel(LIMITS_PANELS.overLimitByUser).targets[0]).toMatchObject({ queryType: 'timeseries', groupBy: 'user', metric: 'over_limit', topN: 10 });
    expect(panel(LIMITS_PANELS.throttledByUser).targets[0]).toMatchObject({ queryType: 'timeseries', groupBy: 'user', metric: 'throttled', topN: 10 });
    expect(panel(LIMITS_PANELS.overLimitCalls).targets[0]).toMatchObject({ queryType: 'totals', metric: 'over_limit' });
  });
});
