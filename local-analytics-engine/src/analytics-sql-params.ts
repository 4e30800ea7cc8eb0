/**
 * What one Analytics SQL parameter may be: "An `AnalyticsSQLParameter` can be a `string`,
 * `number`, `boolean`, or `null`." (https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/)
 * Shared by the HTTP route and the Worker entrypoint, which checks before JSON would turn NaN into
 * null; free of Node imports for that reason.
 */
import { invalid } from './sql/errors.ts';

export type AnalyticsSqlParam = string | number | boolean | null;
export type AnalyticsSqlParams = readonly AnalyticsSqlParam[] | Readonly<Record<string, AnalyticsSqlParam>>;

export function checkParamValue(value: unknown, where: string): asserts value is AnalyticsSqlParam {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    // NaN and the infinities have no SQL literal; JSON would even turn them into null silently.
    if (!Number.isFinite(value)) throw invalid(`${where} must be a finite number`);
    return;
  }
  throw invalid(`${where} must be a string, a number, a boolean or null`);
}

/** Checks the container and every value; the statement decides later which values it needs. */
export function checkParams(params: unknown): void {
  if (params === undefined || params === null) return;
  if (Array.isArray(params)) {
    params.forEach((v, i) => checkParamValue(v, `params[${i}]`));
  } else if (typeof params === 'object') {
    for (const [k, v] of Object.entries(params)) checkParamValue(v, `params.${k}`);
  } else {
    throw invalid('params must be an array (for $1, $2, …) or an object (for $name)');
  }
}
