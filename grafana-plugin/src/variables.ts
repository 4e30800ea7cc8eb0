/**
 * Template variable interpolation that is safe for ids: multi-values become separate filter
 * values (never one string split on commas, since ids may contain commas), "All" means no filter,
 * and values placed into raw SQL become escaped ClickHouse string literals.
 *
 * Grafana 12 dashboards run on Scenes: TemplateSrv.replace hands the work to sceneGraph.interpolate
 * (public/app/features/templating/template_srv.ts), whose format callback gets only
 * {name, type, multi, includeAll} (@grafana/scenes sceneInterpolator.ts). "All" reaches it as the
 * list of every option, or, with a custom all value, never reaches it: the all value is inserted
 * as written. So "All" cannot be seen from the values; it is asked of the variable itself.
 */
import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/** Separates values while interpolating; cannot occur in ids from the UI. */
const SEPARATOR = '\u001e';
const ALL_VALUE = '$__all';

/** Grafana's variable syntaxes: $name, [[name]], [[name:format]], ${name}, ${name.path}, ${name:format}. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export function variableNames(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[4]);
}

/**
 * Whether the variable `name` is set to All where this query runs. Two answers, either enough:
 * - its URL state, as the scene holding the query formats it (`${name:queryparam}` gives
 *   `var-name=$__all` for All, with or without a custom all value: MultiValueVariable's URL sync
 *   and CustomAllValue.formatter in @grafana/scenes); this sees variables of the panel's own scene;
 * - its current value in getVariables() (Scenes: sceneVariablesSetToVariables gives `current`
 *   `$__all` or `['$__all']`; the legacy template service holds the same).
 */
export function isAll(name: string, templateSrv: Pick<TemplateSrv, 'replace' | 'getVariables'>, scopedVars?: ScopedVars): boolean {
  const urlState = templateSrv.replace(`\${${name}:queryparam}`, scopedVars);
  if (urlState.split('&').some((param) => param === `var-${name}=${ALL_VALUE}` || param === `var-${name}=${encodeURIComponent(ALL_VALUE)}`)) {
    return true;
  }
  const variable = templateSrv.getVariables().find((v) => v.name === name) as { current?: { value?: unknown } } | undefined;
  const current = variable?.current?.value;
  return current === ALL_VALUE || (Array.isArray(current) && current.includes(ALL_VALUE));
}

/**
 * Expands each element of a filter list. Returns undefined when a variable in it is set to All:
 * the filter is dropped rather than sent as a list of every value (or as a custom all value that
 * is no id).
 */
export function interpolateList(
  values: string[] | undefined,
  templateSrv: Pick<TemplateSrv, 'replace' | 'getVariables'>,
  scopedVars?: ScopedVars,
): string[] | undefined {
  if (!values?.length) {
    return values;
  }
  const out: string[] = [];
  for (const value of values) {
    if (variableNames(value).some((name) => isAll(name, templateSrv, scopedVars))) {
      return undefined;
    }
    const replaced = templateSrv.replace(value, scopedVars, (v: string | string[]) => (Array.isArray(v) ? v.join(SEPARATOR) : v));
    out.push(...replaced.split(SEPARATOR).filter((v) => v !== ''));
  }
  return [...new Set(out)];
}

/**
 * A string literal that reads the same whether AE's SQL front end treats a backslash as an escape
 * (ClickHouse) or as a plain character (standard SQL): quotes doubled, backslashes doubled, so
 * neither reader ever sees `\'` or `\x`. The Go backend's Literal writes the same text and, like
 * it, a value with a control character (no id, org or event holds one) is refused, not escaped.
 * The panel shows the refusal: Scenes' SceneQueryRunner.runWithTimeRange turns an exception from
 * runRequest (which applies the variables synchronously) into the panel's error.
 */
export function sqlString(value: string): string {
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) {
      const at = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new Error(`variable value ${JSON.stringify(value)} contains a control character (${at}): ids, orgs and events never do`);
    }
  }
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Interpolates raw SQL: each variable value becomes a quoted literal, multi-values a comma list
 * of literals (for `IN ($user)`), All the list of every option; a custom all value is inserted as
 * the dashboard's author wrote it, as Grafana does for SQL data sources (e.g. `index1 != ''`).
 * Built-in macros ($__timeFilter…) are left to the backend.
 */
export function interpolateSql(sql: string, templateSrv: Pick<TemplateSrv, 'replace'>, scopedVars?: ScopedVars): string {
  return templateSrv.replace(sql, scopedVars, (v: string | string[]) =>
    (Array.isArray(v) ? v : [v]).map((item) => sqlString(String(item))).join(', '),
  );
}
