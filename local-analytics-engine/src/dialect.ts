/**
 * Analytics Engine's SQL dialect, as AE's SQL reference documents it, enforced before ClickHouse
 * sees a query: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/
 *
 * Clause by clause and function by function, each group below cites its page: what the reference
 * documents is accepted with ClickHouse's meaning (or the meaning the page gives, where it differs,
 * e.g. `length` counts code points), and everything else is refused with 422 `Input was invalid:
 * …`, so a query that works locally is one AE documents. The query is parsed into a tree
 * (src/sql/), checked, and printed back as ClickHouse SQL: comments are gone, function names are
 * ClickHouse's, the FROM clause holds exactly one source and the dataset is qualified with the
 * store's database. What AE leaves undocumented (string escapes, limits, error texts) is listed in
 * the README as an assumption.
 */
import { mapSelect, walkExpr, type Expr, type ExprOf, type Select } from './sql/ast.ts';
import { emitSelect } from './sql/clickhouse.ts';
import { invalid, SqlApiError } from './sql/errors.ts';
import { tokenize } from './sql/lexer.ts';
import { parseStatement } from './sql/parser.ts';
import { isDatasetName } from './dataset-name.ts';

export { SqlApiError };
export { checkAnalyticsSql } from './analytics-sql.ts';

const REFERENCE = 'https://developers.cloudflare.com/analytics/analytics-engine/sql-reference';
export const AE_SQL_DOCS = {
  statements: `${REFERENCE}/statements/`,
  operators: `${REFERENCE}/operators/`,
  literals: `${REFERENCE}/literals/`,
  aggregates: `${REFERENCE}/aggregate-functions/`,
  bit: `${REFERENCE}/bit-functions/`,
  conditional: `${REFERENCE}/conditional-functions/`,
  dateTime: `${REFERENCE}/date-time-functions/`,
  encoding: `${REFERENCE}/encoding-functions/`,
  mathematical: `${REFERENCE}/mathematical-functions/`,
  string: `${REFERENCE}/string-functions/`,
  typeConversion: `${REFERENCE}/type-conversion-functions/`,
} as const;

// ---- statements: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/statements/

/** "FORMAT [JSON|JSONEachRow|TabSeparated]" */
export const OUTPUT_FORMATS = ['JSON', 'JSONEachRow', 'TabSeparated'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** "If no format clause is included then the default format of `JSON` will be used." */
export const DEFAULT_FORMAT: OutputFormat = 'JSON';

/** AE documents no nesting limit; this one keeps a hostile statement from exhausting the parser. */
const MAX_NESTING_DEPTH = 64;

// ---- functions --------------------------------------------------------------------------------

interface FunctionRule {
  /** ClickHouse's function with the documented meaning. */
  ch: string;
  /** Arguments: [fewest, most] (most = Infinity for variadic). */
  args: [number, number];
  /** Parametric aggregates' first list, e.g. topK(N)(column): [fewest, most]. */
  params?: [number, number];
  /** Whether `f(DISTINCT x)` is documented. */
  distinct?: boolean;
}

const rule = (ch: string, min: number, max = min, extra: Partial<FunctionRule> = {}): FunctionRule => ({ ch, args: [min, max], ...extra });

/** Lower-cased name → rule: "function names are not case-sensitive". */
const FUNCTIONS = new Map<string, FunctionRule>([
  // Aggregate functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/aggregate-functions/
  // (countIf/sumIf/avgIf: https://developers.cloudflare.com/changelog/2025-11-12-analytics-engine-further-sql-enhancements)
  ['count', rule('count', 0, 1, { distinct: true })],
  ['sum', rule('sum', 1, 1, { distinct: true })],
  ['avg', rule('avg', 1, 1, { distinct: true })],
  ['min', rule('min', 1)],
  ['max', rule('max', 1)],
  ['quantileexactweighted', rule('quantileExactWeighted', 2, 2, { params: [1, 1] })],
  // "For backwards compatibility, this is also available as quantileWeighted(q, column_name, weight_column_name)."
  ['quantileweighted', rule('quantileExactWeighted', 3)],
  ['argmax', rule('argMax', 2)],
  ['argmin', rule('argMin', 2)],
  ['first_value', rule('first_value', 1)],
  ['last_value', rule('last_value', 1)],
  ['topk', rule('topK', 1, 1, { params: [0, 1] })],
  ['topkweighted', rule('topKWeighted', 2, 2, { params: [0, 1] })],
  ['countif', rule('countIf', 1)],
  ['sumif', rule('sumIf', 2)],
  ['avgif', rule('avgIf', 2)],
  // Bit functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/bit-functions/
  ['bitand', rule('bitAnd', 2)],
  ['bitcount', rule('bitCount', 1)],
  ['bithammingdistance', rule('bitHammingDistance', 2)],
  ['bitnot', rule('bitNot', 1)],
  ['bitor', rule('bitOr', 2)],
  ['bitrotateleft', rule('bitRotateLeft', 2)],
  ['bitrotateright', rule('bitRotateRight', 2)],
  ['bitshiftleft', rule('bitShiftLeft', 2)],
  ['bitshiftright', rule('bitShiftRight', 2)],
  ['bittest', rule('bitTest', 2)],
  ['bitxor', rule('bitXor', 2)],
  // Conditional functions: only if(); https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/conditional-functions/
  ['if', rule('if', 3)],
  // Date and time functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/date-time-functions/
  ['formatdatetime', rule('formatDateTime', 2, 3)],
  ['now', rule('now', 0)],
  ['today', rule('today', 0)],
  ['todatetime', rule('toDateTime', 1, 2)],
  ['toyear', rule('toYear', 1)],
  ['tomonth', rule('toMonth', 1)],
  ['todayofweek', rule('toDayOfWeek', 1)],
  ['todayofmonth', rule('toDayOfMonth', 1)],
  ['tohour', rule('toHour', 1)],
  ['tominute', rule('toMinute', 1)],
  ['tosecond', rule('toSecond', 1)],
  ['tounixtimestamp', rule('toUnixTimestamp', 1)],
  ['tostartofinterval', rule('toStartOfInterval', 2, 3)],
  ['tostartofyear', rule('toStartOfYear', 1)],
  ['tostartofmonth', rule('toStartOfMonth', 1)],
  ['tostartofweek', rule('toStartOfWeek', 1)],
  ['tostartofday', rule('toStartOfDay', 1)],
  ['tostartofhour', rule('toStartOfHour', 1)],
  ['tostartoffifteenminutes', rule('toStartOfFifteenMinutes', 1)],
  ['tostartoftenminutes', rule('toStartOfTenMinutes', 1)],
  ['tostartoffiveminutes', rule('toStartOfFiveMinutes', 1)],
  ['tostartofminute', rule('toStartOfMinute', 1)],
  ['toyyyymm', rule('toYYYYMM', 1)],
  // Encoding functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/encoding-functions/
  ['bin', rule('bin', 1)],
  ['hex', rule('hex', 1)],
  // Mathematical functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/mathematical-functions/
  ['intdiv', rule('intDiv', 2)],
  ['log', rule('log', 1)],
  ['ln', rule('log', 1)],
  ['pow', rule('pow', 2)],
  ['round', rule('round', 1, 2)],
  ['floor', rule('floor', 1, 2)],
  ['ceil', rule('ceil', 1, 2)],
  // abs(): https://developers.cloudflare.com/changelog/2025-09-26-analytics-engine-sql-enhancements (not yet on the reference page)
  ['abs', rule('abs', 1)],
  // String functions: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/string-functions/
  // length "is the equivalent of ClickHouse's lengthUTF8"; substring counts "Unicode code points";
  // toLower/toUpper are the backwards-compatible names of lowerUTF8/upperUTF8; isEmpty of empty.
  // position is written position(needle IN haystack) (see checkExpr).
  ['length', rule('lengthUTF8', 1)],
  ['empty', rule('empty', 1)],
  ['isempty', rule('empty', 1)],
  ['lower', rule('lower', 1)],
  ['lowerutf8', rule('lowerUTF8', 1)],
  ['tolower', rule('lowerUTF8', 1)],
  ['upper', rule('upper', 1)],
  ['upperutf8', rule('upperUTF8', 1)],
  ['toupper', rule('upperUTF8', 1)],
  ['startswith', rule('startsWith', 2)],
  ['endswith', rule('endsWith', 2)],
  ['substring', rule('substringUTF8', 2, 3)],
  ['format', rule('format', 1, Infinity)],
  // Type conversion functions: only these two; https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/type-conversion-functions/
  ['touint8', rule('toUInt8', 1)],
  ['touint32', rule('toUInt32', 1)],
]);

/** `extract(<time unit> from <datetime>)` "supports YEAR, MONTH, DAY, HOUR, MINUTE and SECOND" (string functions page). */
const EXTRACT_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);

// ---- literals: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/literals/
/** "Intervals of YEAR, MONTH, DAY, HOUR, MINUTE and SECOND are supported", written INTERVAL '42' DAY. */
const INTERVAL_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);
/** Integers (42) and doubles (4.2); a minus sign is the unary operator. */
const NUMBER = /^\d+(?:\.\d+)?$/;

// ---- operators: https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/operators/
/** Arithmetic + - * / %, comparison = < > <= >= <> !=, boolean AND OR (NOT is unary). */
const BINARY_OPERATORS = new Set(['+', '-', '*', '/', '%', '=', '<', '>', '<=', '>=', '<>', '!=', 'AND', 'OR']);

export type ParsedQuery =
  | { kind: 'select'; sql: string; format: OutputFormat; dataset: string | null }
  | { kind: 'show_tables'; format: OutputFormat }
  | { kind: 'show_timezones'; format: OutputFormat }
  | { kind: 'show_timezone'; format: OutputFormat };

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

function checkCall(e: ExprOf<'call'>): void {
  if (e.lname === 'position') throw invalid('position is written position(needle IN haystack)');
  const fn = FUNCTIONS.get(e.lname);
  if (!fn) throw invalid(`unsupported function ${e.name}()`);
  const star = e.args.some((a) => a.kind === 'star');
  if (star) throw invalid(`${e.name}(*) is not supported; use count()`);
  if (e.distinct && !fn.distinct) throw invalid(`${e.name}(DISTINCT ...) is not supported`);
  // count() counts rows, count(DISTINCT column) distinct values; count(column) is not documented.
  if (e.lname === 'count' && (e.distinct ? e.args.length !== 1 : e.args.length !== 0)) {
    throw invalid('count takes no argument, or DISTINCT and one: count() or count(DISTINCT column)');
  }
  const [min, max] = fn.args;
  if (e.args.length < min || e.args.length > max) {
    const n = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw invalid(`${e.name}() takes ${n} argument${max === 1 ? '' : 's'}`);
  }
  if (e.params) {
    if (!fn.params) throw invalid(`${e.name}() takes no parameter list`);
    if (e.params.length < fn.params[0] || e.params.length > fn.params[1]) {
      throw invalid(`${e.name}(...)(...) takes ${fn.params[1]} parameter${fn.params[1] === 1 ? '' : 's'}`);
    }
  } else if (fn.params && fn.params[0] > 0) {
    throw invalid(`${e.name} takes a parameter list, as in ${e.name}(0.5)(column, weight)`);
  }
}

function checkExpr(e: Expr): void {
  switch (e.kind) {
    case 'call':
      return checkCall(e);
    case 'extract':
      if (!EXTRACT_UNITS.has(e.unit)) throw invalid(`unsupported extract unit ${e.unit}; use YEAR, MONTH, DAY, HOUR, MINUTE or SECOND`);
      return;
    case 'number':
      if (!NUMBER.test(e.text)) throw invalid(`unsupported number literal ${e.text}; write integers such as 42 and doubles such as 4.2`);
      return;
    case 'null':
      throw invalid('NULL literals are not supported');
    case 'is_null':
      throw invalid('IS NULL is not supported');
    case 'case':
      // Conditional functions page: if() is the only conditional.
      throw invalid('CASE expressions are not supported, use if()');
    case 'in_subquery':
    case 'subquery':
      // Statements page: a subquery is the FROM clause's (<subquery>), nowhere else.
      throw invalid('subqueries are only supported in FROM');
    case 'interval':
      if (!e.quoted) throw invalid(`INTERVAL takes a quoted number, as in INTERVAL '7' DAY`);
      if (e.value.kind !== 'string' || !/^\d+$/.test(e.value.value)) throw invalid(`INTERVAL takes a whole number, as in INTERVAL '7' DAY`);
      if (!INTERVAL_UNITS.has(e.unit)) throw invalid(`unsupported INTERVAL unit ${e.unit}; use YEAR, MONTH, DAY, HOUR, MINUTE or SECOND`);
      return;
    case 'binary':
      if (!BINARY_OPERATORS.has(e.op)) throw invalid(`unsupported operator ${e.op}`);
      return;
    default:
      return;
  }
}

/** Checks one SELECT and the subquery in its FROM, collecting the datasets read. */
function checkSelect(select: Select, options: Partial<DialectOptions>, datasets: Set<string>): void {
  if (select.distinct) throw invalid('SELECT DISTINCT is not supported; count(DISTINCT column) counts distinct values');
  const from = select.from;
  if (from) {
    // "FROM <table_name>|(subquery)": no alias, no second source (the parser refuses joins).
    if (from.alias !== null) throw invalid('table aliases are not supported');
    if (from.kind === 'subquery') checkSelect(from.select, options, datasets);
    else {
      if (from.path.length > 1) throw invalid('qualified names are not supported; name the dataset only');
      const name = from.path[0];
      const known = options.datasets ? options.datasets.has(name) : isDatasetName(name);
      if (!known) throw invalid(`unknown dataset ${name}`);
      datasets.add(name);
      from.resolved = options.tableFor ? options.tableFor(name) : name;
    }
  }
  for (const item of select.items) walkExpr(item.expr, checkExpr);
  for (const e of [select.where, select.having, ...select.groupBy, ...select.orderBy.map((o) => o.expr)]) {
    if (e) walkExpr(e, checkExpr);
  }
}

/** ClickHouse's function names, and the documented meanings where ClickHouse's differ. */
function toClickHouse(select: Select): Select {
  return mapSelect(select, (e) => {
    if (e.kind === 'call') {
      const fn = FUNCTIONS.get(e.lname)!;
      if (e.lname === 'quantileweighted') return { ...e, name: fn.ch, params: [e.args[0]], args: e.args.slice(1) };
      if (e.lname === 'tostartofweek') {
        // "Treats Monday as the first day of the week"; ClickHouse's default mode starts on Sunday.
        return { ...e, name: fn.ch, args: [...e.args, { kind: 'number', text: '1', start: e.start, end: e.end }] };
      }
      return { ...e, name: fn.ch };
    }
    // AE writes INTERVAL '7' DAY; ClickHouse's own form takes the bare number.
    if (e.kind === 'interval' && e.value.kind === 'string') {
      return { ...e, value: { kind: 'number', text: e.value.value, start: e.value.start, end: e.value.end } };
    }
    return e;
  });
}

function parse(sql: string) {
  // Identifiers are written bare; string escapes are not documented and read as ClickHouse reads
  // them (README); only -- comments appear in the reference's examples.
  const tokens = tokenize(sql, { strings: 'clickhouse', identifierQuotes: '', params: false, blockComments: false });
  if (tokens.length === 0) throw new SqlApiError(400, 'Input was invalid: empty query');
  return parseStatement(tokens, { maxDepth: MAX_NESTING_DEPTH, show: true, rawStrings: true });
}

export function parseQuery(sql: string, options: DialectOptions): ParsedQuery {
  try {
    const statement = parse(sql);
    const format = outputFormat(statement.format);
    if (statement.kind === 'show') return { kind: `show_${statement.what}`, format };
    const datasets = new Set<string>();
    checkSelect(statement.select, options, datasets);
    return { kind: 'select', sql: emitSelect(toClickHouse(statement.select)), format, dataset: [...datasets][0] ?? null };
  } catch (error) {
    if (error instanceof RangeError) throw invalid('the statement is nested too deeply');
    throw error;
  }
}

/**
 * Checks SQL text against AE's documented dialect without running it, for tests of the SQL a
 * product generates. Any valid dataset name is accepted unless `datasets` is given.
 */
export function checkAeSql(sql: string, options: Partial<DialectOptions> = {}): { ok: true } | { ok: false; reason: string } {
  try {
    const statement = parse(sql);
    outputFormat(statement.format);
    if (statement.kind === 'select') checkSelect(statement.select, options, new Set());
    return { ok: true };
  } catch (error) {
    if (error instanceof SqlApiError) return { ok: false, reason: error.message };
    if (error instanceof RangeError) return { ok: false, reason: 'Input was invalid: the statement is nested too deeply' };
    throw error;
  }
}
