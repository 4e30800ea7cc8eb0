/**
 * Cloudflare's Analytics SQL API dialect: what the Workers Analytics SQL binding
 * (`env.ANALYTICS_SQL.query({ query, params })`) speaks. It is NOT AE's own SQL dialect: "This
 * interface uses the Analytics SQL API endpoint and SQL dialect. It is separate from the Workers
 * Analytics Engine SQL API." (https://developers.cloudflare.com/analytics/sql-api/workers-binding/)
 *
 * A statement is tokenized, parsed, checked rule by rule against the SQL API's reference (each rule
 * cites its page), its placeholders are bound as typed literals in the tree (so a parameter can
 * never change the statement's shape), the sampling weights the API applies are applied, and the
 * tree is printed as ClickHouse SQL over the dataset's table.
 */
import { walkExpr, mapSelect, type Expr, type ExprOf, type Select } from './sql/ast.ts';
import { emitSelect } from './sql/clickhouse.ts';
import { invalid, SqlApiError } from './sql/errors.ts';
import { tokenize } from './sql/lexer.ts';
import { parseStatement } from './sql/parser.ts';
import { isDatasetName } from './dataset-name.ts';
import { checkParams, type AnalyticsSqlParams } from './analytics-sql-params.ts';
import { parseTimestamp } from './timestamp.ts';

const DOCS = 'https://developers.cloudflare.com/analytics/sql-api';
export const ANALYTICS_SQL_DOCS = {
  binding: `${DOCS}/workers-binding/`,
  datasets: `${DOCS}/datasets/`,
  queryApi: `${DOCS}/query-api/`,
  errors: `${DOCS}/errors/`,
  limits: `${DOCS}/limits/`,
  reference: `${DOCS}/sql-reference/`,
  statements: `${DOCS}/sql-reference/statements/`,
  operators: `${DOCS}/sql-reference/operators/`,
  functions: `${DOCS}/sql-reference/functions/`,
  dataTypes: `${DOCS}/sql-reference/data-types/`,
} as const;

// Limits: "SQL statement length | 10 KiB", "Parser nesting depth | 10".
// https://developers.cloudflare.com/analytics/sql-api/limits/
export const MAX_STATEMENT_BYTES = 10 * 1024;
export const MAX_NESTING_DEPTH = 10;

/** The weight column of an AE dataset (the SQL API does not document AE datasets' columns: README). */
const SAMPLE_INTERVAL = '_sample_interval';

/**
 * Aggregates of the SQL API, lower-cased name → ClickHouse's name.
 * https://developers.cloudflare.com/analytics/sql-api/sql-reference/functions/ ("Aggregate
 * functions"). MIN/MAX are refused: "`MIN` is not supported by adaptively sampled event
 * datasets" (use APPROX_MIN/APPROX_MAX); AE datasets are adaptively sampled (AE's sampling page,
 * https://developers.cloudflare.com/analytics/analytics-engine/sampling/), and the functions page
 * names argMin/argMax and DISTINCT aggregates as AE's only carve-outs.
 */
const AGGREGATES = new Map<string, string>([
  ['count', 'count'], ['sum', 'sum'], ['avg', 'avg'],
  ['approx_min', 'min'], ['approx_max', 'max'],
  ['countif', 'countIf'], ['sumif', 'sumIf'], ['avgif', 'avgIf'],
  ['first_value', 'first_value'], ['last_value', 'last_value'],
  ['argmax', 'argMax'], ['argmin', 'argMin'],
  ['topk', 'topK'], ['topkweighted', 'topKWeighted'],
  ['quantileweighted', 'quantileExactWeighted'], ['quantileexactweighted', 'quantileExactWeighted'],
]);

/**
 * Scalar functions of the SQL API and their documented aliases, lower-cased name → ClickHouse's
 * function with the meaning the docs give. https://developers.cloudflare.com/analytics/sql-api/sql-reference/functions/
 * String functions take AE's documented meaning (code points, not bytes; toLower = lowerUTF8), as
 * the SQL API page does not define them further:
 * https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/string-functions/
 */
const SCALARS = new Map<string, string>([
  // Conditional
  ['if', 'if'],
  // Numeric
  ['intdiv', 'intDiv'], ['round', 'round'], ['ceil', 'ceil'], ['ceiling', 'ceil'], ['floor', 'floor'],
  ['log', 'log'], ['ln', 'log'], ['pow', 'pow'],
  // String
  ['length', 'lengthUTF8'], ['lengthutf8', 'lengthUTF8'], ['isempty', 'empty'], ['empty', 'empty'],
  ['tolower', 'lowerUTF8'], ['lower', 'lower'], ['lowerutf8', 'lowerUTF8'],
  ['toupper', 'upperUTF8'], ['upper', 'upper'], ['upperutf8', 'upperUTF8'],
  ['startswith', 'startsWith'], ['endswith', 'endsWith'], ['substring', 'substringUTF8'],
  ['substr', 'substringUTF8'], ['position', 'position'], ['strpos', 'position'], ['format', 'format'],
  // Conversion
  ['touint8', 'toUInt8'], ['touint32', 'toUInt32'], ['bin', 'bin'], ['hex', 'hex'],
  // Bitwise
  ['bitand', 'bitAnd'], ['bitcount', 'bitCount'], ['bithammingdistance', 'bitHammingDistance'],
  ['bitnot', 'bitNot'], ['bitor', 'bitOr'], ['bitrotateleft', 'bitRotateLeft'],
  ['bitrotateright', 'bitRotateRight'], ['bitshiftleft', 'bitShiftLeft'], ['bitshiftright', 'bitShiftRight'],
  ['bittest', 'bitTest'], ['bitxor', 'bitXor'],
  // Date parts
  ['date_part', 'date_part'], ['toyear', 'toYear'], ['tomonth', 'toMonth'], ['todayofmonth', 'toDayOfMonth'],
  ['todayofweek', 'toDayOfWeek'], ['dayofweek', 'toDayOfWeek'], ['tohour', 'toHour'], ['tominute', 'toMinute'],
  ['tosecond', 'toSecond'], ['toyyyymm', 'toYYYYMM'],
  // Date and time conversion
  ['tounixtimestamp', 'toUnixTimestamp'], ['formatdatetime', 'formatDateTime'], ['todatetime', 'toDateTime'],
  ['todate', 'toDate'], ['timezone', 'timezone'],
  // Time buckets
  ['tostartofinterval', 'toStartOfInterval'], ['tostartofday', 'toStartOfDay'], ['tostartofminute', 'toStartOfMinute'],
  ['tostartoffiveminutes', 'toStartOfFiveMinutes'], ['tostartoffiveminute', 'toStartOfFiveMinutes'],
  ['tostartoftenminutes', 'toStartOfTenMinutes'], ['tostartoffifteenminutes', 'toStartOfFifteenMinutes'],
  ['tostartofhour', 'toStartOfHour'], ['tostartofweek', 'toStartOfWeek'], ['tostartofmonth', 'toStartOfMonth'],
  ['tostartofyear', 'toStartOfYear'],
  // Interval constructors
  ['tointervalsecond', 'toIntervalSecond'], ['tointervalminute', 'toIntervalMinute'], ['tointervalhour', 'toIntervalHour'],
  ['tointervalday', 'toIntervalDay'], ['tointervalweek', 'toIntervalWeek'], ['tointervalmonth', 'toIntervalMonth'],
  ['tointervalquarter', 'toIntervalQuarter'], ['tointervalyear', 'toIntervalYear'],
  // Current time: "resolves current-time functions once when it plans the query" (ClickHouse's now() is per query too)
  ['now', 'now'], ['current_timestamp', 'now'], ['today', 'today'], ['current_date', 'today'],
]);

/** "TODAY() ... is supported only in a time predicate." (functions page) */
const TIME_PREDICATE_ONLY = new Set(['today', 'current_date']);

/** "The interval must contain a positive integer and one of the following units" (functions page). */
const INTERVAL_UNITS = new Set([
  'YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND',
]);

/** EXTRACT's units are not listed by the SQL API; AE's list is used (AE string-functions page). */
const EXTRACT_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);

/** "Do not include an `accountTag` or `zoneTag` predicate in a binding query." (workers-binding page) */
const TENANCY_FIELDS = new Set(['accountTag', 'zoneTag']);

export interface AnalyticsSqlOptions {
  /** Datasets that exist; when absent (a static check), any valid AE dataset name is accepted. */
  datasets?: ReadonlySet<string>;
  /** How the store names a dataset's table. */
  tableFor?: (dataset: string) => string;
}

export interface PreparedAnalyticsSql {
  /** ClickHouse SQL, every placeholder bound, sampling weights applied. */
  sql: string;
  dataset: string;
}

const isColumn = (e: Expr, name: string) => e.kind === 'column' && e.name === name;

// ---- statement-level rules ------------------------------------------------------------------

function parse(query: unknown): { select: Select; sql: string } {
  if (typeof query !== 'string') throw invalid('query must be a string of SQL');
  if (new TextEncoder().encode(query).byteLength > MAX_STATEMENT_BYTES) {
    throw invalid(`the SQL statement is longer than 10 KiB (${MAX_STATEMENT_BYTES} bytes)`);
  }
  // Only double quotes quote an identifier: `events.analyticsEngine."example-dataset"` (datasets page).
  const tokens = tokenize(query, { strings: 'standard', identifierQuotes: '"', params: true, blockComments: true });
  const statement = parseStatement(tokens, { maxDepth: MAX_NESTING_DEPTH, show: false });
  if (statement.kind !== 'select') throw invalid('only SELECT statements are supported');
  // "Do not add a `FORMAT` clause to binding queries." (workers-binding page)
  if (statement.format !== null) {
    throw invalid('FORMAT is not supported in a binding query; the binding answers JSON with statistics');
  }
  return { select: statement.select, sql: query };
}

/** `events.analyticsEngine.<name>` of a configured dataset (datasets page, "Workers Analytics Engine datasets"). */
function resolveDataset(select: Select, options: AnalyticsSqlOptions): string {
  const from = select.from;
  // The statement synopsis has `FROM schema.dataset` (statements page).
  if (!from) throw invalid('a FROM clause naming a dataset is required, as in FROM events.analyticsEngine.<dataset>');
  if (from.kind === 'subquery') {
    // The one restricted derived-table form the reference allows is not emulated (README).
    throw invalid('derived tables (a subquery in FROM) are not supported by the local Analytics SQL API');
  }
  if (from.alias !== null) throw invalid('table aliases are not supported');
  const path = from.path;
  if (path.length === 1) {
    throw invalid(`a dataset is named with its schema: use events.analyticsEngine.${path[0]}, not a bare dataset name`);
  }
  if (path[0] !== 'events' || path[1] !== 'analyticsEngine') {
    throw invalid(`unknown dataset ${path.join('.')}; Workers Analytics Engine datasets are events.analyticsEngine.<dataset>`);
  }
  if (path.length === 2) throw invalid('the events.analyticsEngine namespace by itself is not queryable; name a dataset');
  if (path.length > 3) throw invalid(`unknown dataset ${path.join('.')}`);
  const name = path[2];
  const known = options.datasets ? options.datasets.has(name) : isDatasetName(name);
  if (!known) throw invalid(`unknown dataset events.analyticsEngine.${name}`);
  from.resolved = options.tableFor ? options.tableFor(name) : name;
  return name;
}

/** The top-level conjuncts of a WHERE clause. */
function conjuncts(e: Expr): Expr[] {
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  if (e.kind === 'paren') return conjuncts(e.inner);
  return [e];
}

/**
 * "Every query also requires a lower bound on the dataset timestamp field. Use `>`, `>=`, or
 * `BETWEEN` to provide the lower bound" (statements page); the binding has no `time_range`.
 */
function hasLowerTimeBound(where: Expr | null): boolean {
  if (!where) return false;
  return conjuncts(where).some(
    (c) =>
      (c.kind === 'binary' &&
        (((c.op === '>' || c.op === '>=') && isColumn(c.left, 'timestamp')) ||
          ((c.op === '<' || c.op === '<=') && isColumn(c.right, 'timestamp')))) ||
      (c.kind === 'between' && !c.not && isColumn(c.arg, 'timestamp')),
  );
}

function checkSelect(select: Select): void {
  // "Row-level `SELECT DISTINCT`" is unsupported (sql-reference index).
  if (select.distinct) throw invalid('row-level SELECT DISTINCT is not supported');
  if (!hasLowerTimeBound(select.where)) {
    throw invalid('a lower bound on timestamp is required in WHERE, with >, >= or BETWEEN (for example timestamp >= NOW() - INTERVAL \'1\' DAY)');
  }
  // "A `HAVING` expression must reference an aggregate function." (statements page)
  if (select.having) {
    let aggregate = false;
    walkExpr(select.having, (e) => {
      if (e.kind === 'call' && (AGGREGATES.has(e.lname) || e.lname === 'min' || e.lname === 'max')) aggregate = true;
    });
    if (!aggregate) throw invalid('a HAVING expression must reference an aggregate function');
  }
  // "`LIMIT` accepts a non-negative integer literal." (statements page)
  if (select.limit === 'ALL') throw invalid('LIMIT takes a non-negative integer literal');
  // ORDER BY without LIMIT and OFFSET without LIMIT stay allowed: "Workers Analytics Engine datasets
  // preserve compatibility with `ORDER BY` without `LIMIT`" / "... with `OFFSET` without `LIMIT`".
  const whereNodes = new Set<Expr>();
  if (select.where) walkExpr(select.where, (e) => whereNodes.add(e));
  for (const item of select.items) walkExpr(item.expr, (e) => checkExpr(e, whereNodes));
  if (select.where) walkExpr(select.where, (e) => checkExpr(e, whereNodes));
  for (const e of select.groupBy) walkExpr(e, (x) => checkExpr(x, whereNodes));
  if (select.having) walkExpr(select.having, (e) => checkExpr(e, whereNodes));
  for (const o of select.orderBy) walkExpr(o.expr, (e) => checkExpr(e, whereNodes));
}

// ---- expression rules -----------------------------------------------------------------------

function literalNumber(e: Expr | undefined): number | null {
  return e?.kind === 'number' ? Number(e.text) : null;
}

function checkCall(e: ExprOf<'call'>, inWhere: boolean): void {
  const name = e.name;
  const n = e.lname;
  if (n === 'min' || n === 'max') {
    throw invalid(`${name.toUpperCase()}() is not supported by adaptively sampled datasets such as Workers Analytics Engine datasets; use APPROX_${name.toUpperCase()}()`);
  }
  const aggregate = AGGREGATES.has(n);
  if (!aggregate && !SCALARS.has(n)) throw invalid(`unsupported function ${name}()`);
  const arity = (min: number, max = min) => {
    if (e.args.length < min || e.args.length > max) {
      throw invalid(`${name}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}`);
    }
  };
  const star = e.args.some((a) => a.kind === 'star');
  if (star && n !== 'count') throw invalid(`${name}(*) is not supported`);
  // "`COUNT`, `SUM`, and `AVG` support `DISTINCT` on unsampled datasets and Workers Analytics
  // Engine datasets." (sql-reference index) — no other DISTINCT aggregate.
  if (e.distinct && n !== 'count' && n !== 'sum' && n !== 'avg') throw invalid(`${name}(DISTINCT ...) is not supported`);
  const parametric = n === 'topk' || n === 'topkweighted' || n === 'quantileexactweighted';
  if (e.params && !parametric) throw invalid(`${name}() takes no parameter list`);
  switch (n) {
    case 'count':
      // "`COUNT(*)` ... `COUNT()` is also accepted. `COUNT(field)` ... not supported."
      if (e.distinct) arity(1);
      else if (e.args.length > 1 || (e.args.length === 1 && !star)) {
        throw invalid('COUNT(expression) is not supported; use COUNT(*), COUNT() or COUNT(DISTINCT expression)');
      }
      break;
    case 'sum': case 'avg': case 'countif': case 'first_value': case 'last_value': case 'approx_min': case 'approx_max':
      arity(1);
      break;
    case 'sumif': case 'avgif': case 'argmax': case 'argmin':
      arity(2);
      break;
    case 'topk': case 'topkweighted': {
      arity(n === 'topk' ? 1 : 2);
      // "up to three optional parameters"; "top-k size and load factor must each be between 1 and 100"
      const params = e.params ?? [];
      if (params.length > 3) throw invalid(`${name}() takes at most three parameters`);
      for (const p of params.slice(0, 2)) {
        const v = literalNumber(p);
        if (v === null || !Number.isInteger(v) || v < 1 || v > 100) {
          throw invalid(`${name}(): the top-k size and load factor must be integers from 1 to 100`);
        }
      }
      break;
    }
    case 'quantileweighted': {
      arity(3);
      const level = literalNumber(e.args[0]);
      if (level === null || level < 0 || level > 1) throw invalid('quantileWeighted(): level must be a number between 0 and 1');
      break;
    }
    case 'quantileexactweighted': {
      arity(2);
      const level = literalNumber(e.params?.[0]);
      if (e.params?.length !== 1 || level === null || level < 0 || level > 1) {
        throw invalid('quantileExactWeighted(level)(expression, weight): level must be a number between 0 and 1');
      }
      break;
    }
    case 'now': case 'current_timestamp': case 'today': case 'current_date':
      arity(0);
      if (TIME_PREDICATE_ONLY.has(n) && !inWhere) throw invalid(`${name}() is supported only in a time predicate`);
      break;
  }
}

function checkExpr(e: Expr, whereNodes: ReadonlySet<Expr>): void {
  switch (e.kind) {
    case 'call':
      return checkCall(e, whereNodes.has(e));
    // "Standalone `NULL` literals are not supported." (data-types page)
    case 'null':
      throw invalid('standalone NULL literals are not supported');
    // "Joins, unions, common table expressions, and general subqueries" are unsupported (index).
    case 'subquery':
    case 'in_subquery':
      throw invalid('subqueries are not supported');
    case 'interval': {
      // Intervals are written `INTERVAL '15' MINUTE` (functions page, "Intervals").
      const value = e.value.kind === 'string' ? e.value.value : null;
      if (!e.quoted || value === null || !/^\d+$/.test(value) || Number(value) === 0) {
        throw invalid(`INTERVAL takes a quoted positive integer, as in INTERVAL '7' DAY`);
      }
      if (!INTERVAL_UNITS.has(e.unit)) throw invalid(`unsupported INTERVAL unit ${e.unit}`);
      return;
    }
    case 'extract':
      if (!EXTRACT_UNITS.has(e.unit)) throw invalid(`unsupported EXTRACT unit ${e.unit}`);
      return;
    case 'binary':
      // Operators page: = != <> < <= > >=; `==` is not among them.
      if (e.op === '==') throw invalid('unsupported operator ==; use =');
      return;
    case 'column':
      if (TENANCY_FIELDS.has(e.name)) {
        throw invalid(`do not specify tenancy (${e.name}) in a binding query; the binding supplies the account scope`);
      }
      return;
    default:
      return;
  }
}

// ---- parameters -----------------------------------------------------------------------------

const TIMESTAMP_HINT = 'must be an ISO 8601 timestamp with a timezone, such as 2026-09-15T08:30:00Z, or a date such as 2026-09-15';

function dateTimeLiteral(ms: number, at: Expr): Expr {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const span = { start: at.start, end: at.end };
  return {
    kind: 'call', name: 'toDateTime64', lname: 'todatetime64', params: null, distinct: false, ...span,
    args: [
      { kind: 'string', value: text, ...span },
      { kind: 'number', text: '3', ...span },
      { kind: 'string', value: 'UTC', ...span },
    ],
  };
}

/** Literals and placeholders compared with the `timestamp` column (either side, BETWEEN, IN). */
function timestampOperands(select: Select): Set<Expr> {
  const found = new Set<Expr>();
  const visit = (e: Expr) => {
    if (e.kind === 'binary' && ['=', '!=', '<>', '<', '<=', '>', '>='].includes(e.op)) {
      if (isColumn(e.left, 'timestamp')) found.add(e.right);
      if (isColumn(e.right, 'timestamp')) found.add(e.left);
    } else if (e.kind === 'between' && isColumn(e.arg, 'timestamp')) {
      found.add(e.low);
      found.add(e.high);
    } else if (e.kind === 'in' && isColumn(e.left, 'timestamp')) {
      for (const x of e.list) found.add(x);
    }
  };
  for (const item of select.items) walkExpr(item.expr, visit);
  if (select.where) walkExpr(select.where, visit);
  if (select.having) walkExpr(select.having, visit);
  return found;
}

function valueLiteral(value: string | number | boolean | null, at: Expr): Expr {
  const span = { start: at.start, end: at.end };
  if (value === null) return { kind: 'null', ...span };
  if (typeof value === 'boolean') return { kind: 'bool', value, ...span };
  if (typeof value === 'string') return { kind: 'string', value, ...span };
  const text = String(Math.abs(value));
  const number: Expr = { kind: 'number', text, ...span };
  return value < 0 ? { kind: 'unary', op: '-', arg: number, ...span } : number;
}

/**
 * Binds `$1, $2…` from an array or `$name` from an object: "Use `$1`, `$2`, and subsequent
 * placeholders with an array" / "Use `$name` placeholders with an object"; "Parameter values can
 * be strings, numbers, booleans, or `null`. ... Every placeholder must have a corresponding value."
 * (https://developers.cloudflare.com/analytics/sql-api/query-api/). Placeholders are replaced by
 * literal nodes in the checked tree, never by text, so a value is data whatever it contains.
 */
function bind(select: Select, params: unknown): Select {
  const placeholders: ExprOf<'param'>[] = [];
  const visitAll = (e: Expr) => e.kind === 'param' && placeholders.push(e);
  for (const item of select.items) walkExpr(item.expr, visitAll);
  if (select.where) walkExpr(select.where, visitAll);
  for (const e of select.groupBy) walkExpr(e, visitAll);
  if (select.having) walkExpr(select.having, visitAll);
  for (const o of select.orderBy) walkExpr(o.expr, visitAll);

  checkParams(params);
  if (placeholders.length === 0) return select;
  const positional = placeholders.filter((p) => /^\d+$/.test(p.name));
  if (positional.length && positional.length !== placeholders.length) {
    throw invalid('use either positional ($1, $2, …) or named ($name) placeholders, not both');
  }
  const values = params as AnalyticsSqlParams | undefined | null;
  const valueOf = (p: ExprOf<'param'>): string | number | boolean | null => {
    if (positional.length) {
      const index = Number(p.name);
      if (index < 1) throw invalid(`$${p.name} is not a placeholder; positional placeholders start at $1`);
      if (!Array.isArray(values)) throw invalid(`no value for $${p.name}: positional placeholders take an array of params`);
      if (index > values.length) throw invalid(`no value for $${p.name}`);
      return values[index - 1];
    }
    if (!values || Array.isArray(values) || !Object.hasOwn(values, p.name)) {
      throw invalid(`no value for $${p.name}${Array.isArray(values) ? ': named placeholders take an object of params' : ''}`);
    }
    return (values as Record<string, string | number | boolean | null>)[p.name];
  };
  const timestamps = timestampOperands(select);
  return mapSelect(select, (e) => {
    if (e.kind !== 'param') return e;
    const value = valueOf(e);
    if (typeof value === 'string' && timestamps.has(e)) {
      const ms = parseTimestamp(value);
      if (ms === null) throw invalid(`$${e.name} is compared with timestamp and ${TIMESTAMP_HINT}; got ${JSON.stringify(value)}`);
      return dateTimeLiteral(ms, e);
    }
    return valueLiteral(value, e);
  });
}

/** String literals compared with `timestamp` follow the same rule as parameters (data-types page). */
function typeTimestampLiterals(select: Select): Select {
  const timestamps = timestampOperands(select);
  return mapSelect(select, (e) => {
    if (e.kind !== 'string' || !timestamps.has(e)) return e;
    const ms = parseTimestamp(e.value);
    if (ms === null) throw invalid(`a timestamp literal ${TIMESTAMP_HINT}; got '${e.value}'`);
    return dateTimeLiteral(ms, e);
  });
}

// ---- sampling weights and ClickHouse names --------------------------------------------------

/**
 * "For adaptively sampled event and log datasets, the SQL API automatically applies sample weights
 * to `COUNT`, `SUM`, `AVG`, `countIf`, `sumIf`, `avgIf`, and `topK`. You do not need to use
 * `sampleInterval` yourself for these functions." (functions page). AE datasets live under
 * `events.` and are adaptively sampled, so the same weights apply; DISTINCT aggregates count
 * distinct values and stay unweighted.
 */
function weigh(e: ExprOf<'call'>): Expr {
  const span = { start: e.start, end: e.end };
  const weight: Expr = { kind: 'column', name: SAMPLE_INTERVAL, ...span };
  const times = (x: Expr): Expr => ({ kind: 'binary', op: '*', left: x, right: weight, ...span });
  const call = (name: string, args: Expr[], params: Expr[] | null = null): Expr => ({
    kind: 'call', name, lname: name.toLowerCase(), params, args, distinct: false, ...span,
  });
  if (e.distinct) return { ...e, name: AGGREGATES.get(e.lname)! };
  switch (e.lname) {
    case 'count':
      return call('sum', [weight]);
    case 'sum':
      return call('sum', [times(e.args[0])]);
    case 'avg':
      return call('avgWeighted', [e.args[0], weight]);
    case 'countif':
      return call('sumIf', [weight, e.args[0]]);
    case 'sumif':
      return call('sumIf', [times(e.args[0]), e.args[1]]);
    case 'avgif':
      return call('avgWeightedIf', [e.args[0], weight, e.args[1]]);
    case 'topk':
      return call('topKWeighted', [e.args[0], weight], e.params);
    case 'quantileweighted':
      return call('quantileExactWeighted', [e.args[1], e.args[2]], [e.args[0]]);
    case 'tostartofweek':
      // AE documents toStartOfWeek as Monday-first; ClickHouse's default mode is Sunday-first.
      return e.args.length === 1 ? call('toStartOfWeek', [e.args[0], { kind: 'number', text: '1', ...span }]) : { ...e, name: 'toStartOfWeek' };
    default:
      return { ...e, name: AGGREGATES.get(e.lname) ?? SCALARS.get(e.lname)! };
  }
}

/** Unaliased expressions are named after their text as written (README: an assumption). */
function nameColumns(select: Select, sql: string): Select {
  return {
    ...select,
    items: select.items.map((item) =>
      item.alias !== null || item.expr.kind === 'column' || item.expr.kind === 'star'
        ? item
        : { ...item, alias: sql.slice(item.start, item.end).replace(/\s+/g, ' ').trim() },
    ),
  };
}

function withoutStackOverflow<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) throw invalid('the statement is nested too deeply');
    throw error;
  }
}

/** Checks, binds and translates one binding request. Throws SqlApiError (422) when refused. */
export function prepareAnalyticsSql(query: unknown, params: unknown, options: AnalyticsSqlOptions = {}): PreparedAnalyticsSql {
  return withoutStackOverflow(() => {
    const { select: parsed, sql } = parse(query);
    const dataset = resolveDataset(parsed, options);
    checkSelect(parsed);
    const named = nameColumns(parsed, sql);
    const bound = typeTimestampLiterals(bind(named, params));
    const weighted = mapSelect(bound, (e) => (e.kind === 'call' && e.lname !== 'todatetime64' ? weigh(e) : e));
    return { sql: emitSelect(weighted), dataset };
  });
}

/**
 * Checks SQL text against the Analytics SQL dialect without running it, for tests of the SQL a
 * product generates. Placeholders are allowed and not bound.
 */
export function checkAnalyticsSql(sql: string, options: AnalyticsSqlOptions = {}): { ok: true } | { ok: false; reason: string } {
  try {
    withoutStackOverflow(() => {
      const { select } = parse(sql);
      resolveDataset(select, options);
      checkSelect(select);
      typeTimestampLiterals(select);
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof SqlApiError) return { ok: false, reason: error.message };
    throw error;
  }
}
