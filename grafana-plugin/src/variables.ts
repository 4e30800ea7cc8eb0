/**
 * Template variable interpolation that is safe for ids: multi-values become separate filter
 * values (never one string split on commas, since ids may contain commas), "All" means no filter,
 * and values placed into raw SQL become escaped ClickHouse string literals.
 */
import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/** Separates values while interpolating; cannot occur in ids from the UI. */
const SEPARATOR = '\u001e';
const ALL = '\u001fALL\u001f';

function isAll(variable: unknown): boolean {
  const current = (variable as { current?: { value?: unknown } } | undefined)?.current?.value;
  return current === '$__all' || (Array.isArray(current) && current.includes('$__all'));
}

/**
 * Expands each element of a filter list. Returns undefined when a variable is set to All: the
 * filter is dropped rather than sent as a list of every value.
 */
export function interpolateList(
  values: string[] | undefined,
  templateSrv: Pick<TemplateSrv, 'replace'>,
  scopedVars?: ScopedVars,
): string[] | undefined {
  if (!values?.length) {
    return values;
  }
  const out: string[] = [];
  for (const value of values) {
    const replaced = templateSrv.replace(value, scopedVars, (v: string | string[], variable: TypedVariableModel) => {
      if (isAll(variable)) {
        return ALL;
      }
      return Array.isArray(v) ? v.join(SEPARATOR) : v;
    });
    if (replaced.includes(ALL)) {
      return undefined;
    }
    out.push(...replaced.split(SEPARATOR).filter((v) => v !== ''));
  }
  return [...new Set(out)];
}

/** A ClickHouse string literal, escaped the way the worker and the Go backend escape. */
export function sqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') {
      out += '\\\\';
    } else if (ch === "'") {
      out += "\\'";
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else {
      out += ch;
    }
  }
  return `${out}'`;
}

/**
 * Interpolates raw SQL: each variable value becomes a quoted literal, multi-values a comma list
 * of literals (for `IN ($user)`); built-in macros ($__timeFilter…) are left to the backend.
 */
export function interpolateSql(sql: string, templateSrv: Pick<TemplateSrv, 'replace'>, scopedVars?: ScopedVars): string {
  return templateSrv.replace(sql, scopedVars, (v: string | string[]) =>
    (Array.isArray(v) ? v : [v]).map((item) => sqlString(String(item))).join(', '),
  );
}
