/**
 * Template variables as a Grafana 12 dashboard interpolates them: a real @grafana/scenes scene
 * with real variables, and the data source's applyTemplateVariables over it.
 */
import './testing/domForScenes';
import { DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { CustomVariable, EmbeddedScene, SceneCanvasText, SceneFlexItem, SceneFlexLayout, SceneVariableSet, sceneGraph } from '@grafana/scenes';
import { DataSource } from './datasource';
import { sceneTemplateSrv } from './testing/sceneTemplateSrv';
import { UsageOptions, UsageQuery } from './types';
import { interpolateList, interpolateSql, isAll, sqlString, variableNames } from './variables';

const USERS = [
  { label: 'Ada', value: 'u1' },
  { label: 'Odd', value: 'o,dd' },
  { label: 'Grace', value: 'u3' },
];

/** A multi-value users variable with All, as the User detail dashboard could have it. */
function users(value: string | string[], allValue?: string) {
  const text = Array.isArray(value) ? value.map((v) => (v === '$__all' ? 'All' : USERS.find((u) => u.value === v)!.label)) : value;
  return new CustomVariable({ name: 'user', query: 'u1,o\\,dd,u3', isMulti: true, includeAll: true, allValue, value, text, options: USERS });
}

const settings = { id: 1, uid: 'ul', type: 'usagelens-analytics-datasource', name: 'Usage Lens', jsonData: { mode: 'sql' } } as unknown as DataSourceInstanceSettings<UsageOptions>;

let deactivate: (() => void) | undefined;
const release = () => {
  deactivate?.();
  deactivate = undefined;
};

/** Builds and activates a dashboard scene (activation sets window.__grafanaSceneContext, as in Grafana). */
function dashboard(...variables: CustomVariable[]) {
  release();
  const panel = new SceneFlexItem({ body: new SceneCanvasText({ text: 'panel' }) });
  const scene = new EmbeddedScene({ $variables: new SceneVariableSet({ variables }), body: new SceneFlexLayout({ children: [panel] }) });
  deactivate = scene.activate();
  // What a panel's query carries to applyTemplateVariables in a scene dashboard.
  const scopedVars: ScopedVars = { __sceneObject: { value: panel, text: '__sceneObject' } };
  return { scene, panel, scopedVars };
}

const query: UsageQuery = { refId: 'A', queryType: 'timeseries', users: ['$user'], rawSql: 'SELECT 1 WHERE index1 IN ($user)' };

beforeAll(() => setTemplateSrv(sceneTemplateSrv()));
afterEach(release);

describe('applyTemplateVariables over a Scenes dashboard', () => {
  it('drops the users filter when the variable is set to All', () => {
    const { scene, scopedVars } = dashboard(users(['$__all']));
    // What Scenes hands a format function for All: every option, as if each had been ticked.
    expect(sceneGraph.interpolate(scene, '$user', undefined, (v: unknown) => JSON.stringify(v))).toBe('["u1","o,dd","u3"]');
    const q = new DataSource(settings).applyTemplateVariables(query, scopedVars);
    expect(q.users).toBeUndefined();
    // Raw SQL gets the list of every option, each an escaped literal.
    expect(q.rawSql).toBe("SELECT 1 WHERE index1 IN ('u1', 'o,dd', 'u3')");
  });

  it('sends one value as one filter', () => {
    const { scopedVars } = dashboard(users(['u1']));
    const q = new DataSource(settings).applyTemplateVariables(query, scopedVars);
    expect(q.users).toEqual(['u1']);
    expect(q.rawSql).toBe("SELECT 1 WHERE index1 IN ('u1')");
  });

  it('sends several values as separate filters, keeping commas inside ids', () => {
    const { scopedVars } = dashboard(users(['u1', 'o,dd']));
    const q = new DataSource(settings).applyTemplateVariables({ ...query, users: ['$user', 'u9', 'u1'] }, scopedVars);
    expect(q.users).toEqual(['u1', 'o,dd', 'u9']);
    expect(q.rawSql).toBe("SELECT 1 WHERE index1 IN ('u1', 'o,dd')");
  });

  it('with a custom all value: drops the filter, and raw SQL gets the all value as written', () => {
    const { scene, scopedVars } = dashboard(users(['$__all'], "index1 != ''"));
    // Scenes inserts a custom all value without calling the format function at all.
    const calls: unknown[] = [];
    expect(sceneGraph.interpolate(scene, '$user', undefined, (v: unknown) => (calls.push(v), 'called'))).toBe("index1 != ''");
    expect(calls).toEqual([]);
    const q = new DataSource(settings).applyTemplateVariables({ ...query, rawSql: 'SELECT 1 WHERE $user' }, scopedVars);
    expect(q.users).toBeUndefined();
    expect(q.rawSql).toBe("SELECT 1 WHERE index1 != ''");
  });

  it('sees All on a variable of the panel’s own scene, not only the dashboard’s', () => {
    const { scene } = dashboard();
    const inner = new SceneFlexItem({ $variables: new SceneVariableSet({ variables: [users(['$__all'])] }), body: new SceneCanvasText({ text: 'row' }) });
    (scene.state.body as SceneFlexLayout).setState({ children: [inner] });
    inner.activate();
    const scopedVars: ScopedVars = { __sceneObject: { value: inner, text: '__sceneObject' } };
    expect(new DataSource(settings).applyTemplateVariables(query, scopedVars).users).toBeUndefined();
  });

  it('leaves queries without variables, and unknown variables, as they are', () => {
    const { scopedVars } = dashboard(users(['u1']));
    const q = new DataSource(settings).applyTemplateVariables({ refId: 'A', queryType: 'users', users: ['plain', '$nope'], orgs: [] }, scopedVars);
    expect(q.users).toEqual(['plain', '$nope']);
    expect(q.orgs).toEqual([]);
    expect(q.events).toBeUndefined();
  });
});

describe('isAll', () => {
  it('answers from the scene holding the query, and from getVariables() without one', () => {
    const { scopedVars } = dashboard(users(['$__all']), new CustomVariable({ name: 'org', query: 'a,b', value: 'a', text: 'a', options: [{ label: 'a', value: 'a' }] }));
    const templateSrv = sceneTemplateSrv();
    expect(isAll('user', templateSrv, scopedVars)).toBe(true);
    expect(isAll('org', templateSrv, scopedVars)).toBe(false);
    // The dashboard context alone (no __sceneObject), as for a variable query.
    expect(isAll('user', templateSrv)).toBe(true);
    const current = templateSrv.getVariables().find((v) => v.name === 'user') as unknown as { current: { value: string[] } };
    expect(current.current.value).toEqual(['$__all']);
  });
});

describe('interpolateSql and sqlString', () => {
  // Where a reader of string literals stops: standard SQL knows only '', ClickHouse also reads \ as
  // an escape. A literal is safe when both stop at its last character.
  const literalEnd = (sql: string, backslashEscapes: boolean): number => {
    for (let i = 1; i < sql.length; i++) {
      if (backslashEscapes && sql[i] === '\\') {
        i++;
      } else if (sql[i] === "'" && sql[i + 1] === "'") {
        i++;
      } else if (sql[i] === "'") {
        return i + 1;
      }
    }
    return -1;
  };
  // What ClickHouse gives back from one of our literals (only '' and \\ occur in them).
  const clickhouseValue = (literal: string): string => literal.slice(1, -1).replace(/''|\\\\/g, (m) => m[0]);

  it('cannot be broken out of with quotes or backslashes', () => {
    const evil = new CustomVariable({ name: 'evil', isMulti: true, value: ["x' OR '1'='1", 'back\\slash'], text: ['x', 'b'], options: [] });
    const { scopedVars } = dashboard(evil);
    expect(interpolateSql('WHERE index1 IN ($evil)', sceneTemplateSrv(), scopedVars)).toBe("WHERE index1 IN ('x'' OR ''1''=''1', 'back\\\\slash')");
  });

  it('leaves macros for the backend', () => {
    const { scopedVars } = dashboard(users(['u1']));
    expect(interpolateSql('WHERE $__timeFilter AND index1 = $user', sceneTemplateSrv(), scopedVars)).toBe("WHERE $__timeFilter AND index1 = 'u1'");
  });

  // The same cases as the Go backend's TestLiteralReadsTheSameUnderEitherBackslashRule.
  it.each([
    ['plain', `'plain'`],
    ["o'brien", `'o''brien'`],
    ['a\\b', `'a\\\\b'`],
    ["\\'", `'\\\\'''`],
    ["''", `''''''`],
    ['x\\', `'x\\\\'`],
    ["x\\' OR 1=1 --", `'x\\\\'' OR 1=1 --'`],
    ["🙂'", `'🙂'''`],
  ])('writes %s as one literal under either backslash reading', (value, literal) => {
    expect(sqlString(value)).toBe(literal);
    expect(literalEnd(literal, false)).toBe(literal.length);
    expect(literalEnd(literal, true)).toBe(literal.length);
    expect(clickhouseValue(literal)).toBe(value);
  });

  it('refuses a value with a control character, naming it', () => {
    expect(() => sqlString('a\nb')).toThrow('"a\\nb" contains a control character (U+000A)');
    expect(() => sqlString('del\x7f')).toThrow('U+007F');
    const tab = new CustomVariable({ name: 'v', isMulti: true, value: ['ok', 'tab\there'], text: ['ok', 'tab'], options: [] });
    const { scopedVars } = dashboard(tab);
    expect(() => interpolateSql('index1 IN ($v)', sceneTemplateSrv(), scopedVars)).toThrow('U+0009');
  });
});

describe('variableNames', () => {
  it('finds every syntax Grafana accepts', () => {
    expect(variableNames('$a ${b} ${c:csv} [[d]] [[e:regex]] ${f.g}')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(interpolateList(undefined, sceneTemplateSrv())).toBeUndefined();
  });
});
