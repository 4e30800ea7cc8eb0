/**
 * Analytics Engine's SQL dialect, enforced before ClickHouse sees a query.
 *
 * AE accepts a narrow ClickHouse subset: one SELECT over one dataset (or a subquery of it), AE's own
 * function list, `SHOW TABLES` / `SHOW TIMEZONES`, and a trailing FORMAT. Everything else is refused
 * with AE's 422 wording. The query is parsed into a tree (src/sql/), checked, and printed back as
 * ClickHouse SQL, so what reaches ClickHouse is exactly what was checked: comments are gone,
 * function names are canonical, the FROM clause holds exactly one source and the dataset is
 * qualified with the store's database.
 */
import { mapSelect, walkExpr, type Expr, type Select } from './sql/ast.ts';
import { emitSelect } from './sql/clickhouse.ts';
import { invalid, SqlApiError } from './sql/errors.ts';
import { tokenize } from './sql/lexer.ts';
import { parseStatement } from './sql/parser.ts';

export { SqlApiError };

export const OUTPUT_FORMATS = ['JSON', 'JSONEachRow', 'TabSeparated'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** What the SQL API answers when a query names no FORMAT (ClickHouse's HTTP default). */
export const DEFAULT_FORMAT: OutputFormat = 'TabSeparated';

/** AE documents no nesting limit; this one keeps a hostile statement from exhausting the parser. */
const MAX_NESTING_DEPTH = 64;

/**
 * AE's documented functions, keyed by lower case so that `SUM`, `sum` and `Sum` all work as they do
 * on AE; the value is ClickHouse's spelling, which is case-sensitive for most of them.
 */
const FUNCTIONS = new Map(
  [
    // aggregates
    'count', 'sum', 'avg', 'min', 'max', 'uniq', 'argMin', 'argMax', 'topK', 'topKWeighted',
    'quantile', 'quantileWeighted', 'quantileExact', 'quantileExactWeighted',
    'countIf', 'sumIf', 'avgIf', 'minIf', 'maxIf', 'uniqIf',
    // conditionals and logic
    'if', 'multiIf', 'isNull', 'isNotNull', 'coalesce',
    // arithmetic
    'intDiv', 'round', 'floor', 'ceil', 'abs', 'exp', 'log', 'log2', 'log10', 'pow', 'sqrt',
    'greatest', 'least', 'modulo',
    // date and time
    'now', 'today', 'toDateTime', 'toDate', 'toUnixTimestamp', 'formatDateTime', 'fromUnixTimestamp',
    'toStartOfInterval', 'toStartOfYear', 'toStartOfQuarter', 'toStartOfMonth', 'toStartOfWeek',
    'toStartOfDay', 'toStartOfHour', 'toStartOfFifteenMinutes', 'toStartOfTenMinutes',
    'toStartOfFiveMinutes', 'toStartOfMinute', 'toYear', 'toMonth', 'toDayOfMonth', 'toDayOfWeek',
    'toHour', 'toMinute', 'toSecond', 'toYYYYMM', 'toYYYYMMDD', 'toIntervalSecond',
    'toIntervalMinute', 'toIntervalHour', 'toIntervalDay', 'dateDiff',
    // strings
    'length', 'lower', 'upper', 'substring', 'concat', 'position', 'startsWith', 'endsWith',
    'trimBoth', 'trimLeft', 'trimRight', 'replaceAll', 'replaceOne', 'match',
    'empty', 'notEmpty',
    // conversions
    'toString', 'toInt8', 'toInt16', 'toInt32', 'toInt64', 'toUInt8', 'toUInt16', 'toUInt32',
    'toUInt64', 'toFloat32', 'toFloat64', 'bitAnd', 'bitOr', 'bitXor',
  ].map((name) => [name.toLowerCase(), name]),
);

export type ParsedQuery =
  | { kind: 'select'; sql: string; format: OutputFormat; dataset: string | null }
  | { kind: 'show_tables'; format: OutputFormat }
  | { kind: 'show_timezones'; format: OutputFormat };

export interface DialectOptions {
  /** Datasets that exist; a query naming any other is refused. */
  datasets: ReadonlySet<string>;
  /** How the store names a dataset's table (database-qualified). */
  tableFor: (dataset: string) => string;
}

function outputFormat(name: string | null): OutputFormat {
  if (name === null) return DEFAULT_FORMAT;
  const format = OUTPUT_FORMATS.find((f) => f.toLowerCase() === name.toLowerCase());
  if (!format) throw invalid(`unsupported format ${name}; use ${OUTPUT_FORMATS.join(', ')}`);
  return format;
}

/** Checks one SELECT (and its subqueries) and returns the one dataset it reads, if any. */
function checkSelect(select: Select, options: DialectOptions, datasets: Set<string>): void {
  const from = select.from;
  if (from?.kind === 'subquery') checkSelect(from.select, options, datasets);
  if (from?.kind === 'table') {
    if (from.path.length > 1) throw invalid('qualified names are not supported; name the dataset only');
    const name = from.path[0];
    if (!options.datasets.has(name)) throw invalid(`unknown dataset ${name}`);
    datasets.add(name);
    from.resolved = options.tableFor(name);
  }
  const visit = (e: Expr) => {
    switch (e.kind) {
      case 'call':
        if (!FUNCTIONS.has(e.lname)) throw invalid(`unsupported function ${e.name}()`);
        return;
      case 'case':
        throw invalid('CASE expressions are not supported, use if()');
      case 'in_subquery':
      case 'subquery':
        checkSelect(e.select, options, datasets);
        return;
      default:
        return;
    }
  };
  for (const item of select.items) walkExpr(item.expr, visit);
  for (const e of [select.where, select.having, ...select.groupBy, ...select.orderBy.map((o) => o.expr)]) {
    if (e) walkExpr(e, visit);
  }
  if (datasets.size > 1) throw invalid('a query reads one dataset only');
}

/** Function names in ClickHouse's spelling; AE's `INTERVAL '7' DAY` as ClickHouse's `INTERVAL 7 DAY`. */
function toClickHouse(select: Select): Select {
  return mapSelect(select, (e) => {
    if (e.kind === 'call') return { ...e, name: FUNCTIONS.get(e.lname)! };
    if (e.kind === 'interval' && e.value.kind === 'string') {
      if (!/^\d+$/.test(e.value.value)) throw invalid(`INTERVAL takes a whole number, as in INTERVAL '7' DAY`);
      return { ...e, value: { kind: 'number', text: e.value.value, start: e.value.start, end: e.value.end } };
    }
    return e;
  });
}

export function parseQuery(sql: string, options: DialectOptions): ParsedQuery {
  try {
    const tokens = tokenize(sql, { strings: 'clickhouse', identifierQuotes: '"`', params: false });
    if (tokens.length === 0) throw new SqlApiError(400, 'Input was invalid: empty query');
    const statement = parseStatement(tokens, { maxDepth: MAX_NESTING_DEPTH, show: true, rawStrings: true });
    const format = outputFormat(statement.format);
    if (statement.kind === 'show') {
      if (statement.what === 'tables') return { kind: 'show_tables', format };
      if (statement.what === 'timezones') return { kind: 'show_timezones', format };
      throw invalid('only SHOW TABLES and SHOW TIMEZONES are supported');
    }
    const datasets = new Set<string>();
    checkSelect(statement.select, options, datasets);
    return { kind: 'select', sql: emitSelect(toClickHouse(statement.select)), format, dataset: [...datasets][0] ?? null };
  } catch (error) {
    if (error instanceof RangeError) throw invalid('the statement is nested too deeply');
    throw error;
  }
}
