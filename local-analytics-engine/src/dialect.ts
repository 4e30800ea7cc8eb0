/**
 * Analytics Engine's SQL dialect, enforced before ClickHouse sees a query.
 *
 * AE accepts a narrow ClickHouse subset: one SELECT over one dataset (or a subquery of it), AE's own
 * function list, `SHOW TABLES` / `SHOW TIMEZONES`, and a trailing FORMAT. Everything else is refused
 * with AE's 422 wording. The query is tokenized, checked and re-emitted from its tokens, so what
 * reaches ClickHouse is exactly what was checked: comments are gone, function names are canonical
 * and the dataset is qualified with the store's database.
 */

export class SqlApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const invalid = (reason: string) => new SqlApiError(422, `Input was invalid: ${reason}`);

export const OUTPUT_FORMATS = ['JSON', 'JSONEachRow', 'TabSeparated'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** What the SQL API answers when a query names no FORMAT (ClickHouse's HTTP default). */
export const DEFAULT_FORMAT: OutputFormat = 'TabSeparated';

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
    'trimBoth', 'trimLeft', 'trimRight', 'replaceAll', 'replaceOne', 'extract', 'match',
    'empty', 'notEmpty',
    // conversions
    'toString', 'toInt8', 'toInt16', 'toInt32', 'toInt64', 'toUInt8', 'toUInt16', 'toUInt32',
    'toUInt64', 'toFloat32', 'toFloat64', 'bitAnd', 'bitOr', 'bitXor',
  ].map((name) => [name.toLowerCase(), name]),
);

/** Words that may stand before `(` without being a function call. */
const KEYWORDS = new Set([
  'select', 'from', 'where', 'group', 'by', 'having', 'order', 'limit', 'offset', 'as', 'and', 'or',
  'not', 'in', 'between', 'like', 'ilike', 'is', 'null', 'asc', 'desc', 'distinct', 'interval',
  'format', 'all', 'true', 'false', 'nulls', 'first', 'last', 'show', 'tables', 'timezones',
  'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year',
]);

const REFUSED: Record<string, string> = {
  join: 'JOINs are not supported',
  union: 'UNIONs are not supported',
  intersect: 'INTERSECT is not supported',
  except: 'EXCEPT is not supported',
  case: 'CASE expressions are not supported, use if()',
  settings: 'SETTINGS is not supported',
  with: 'WITH is not supported',
  array: 'ARRAY JOIN is not supported',
  global: 'GLOBAL is not supported',
  prewhere: 'PREWHERE is not supported',
  final: 'FINAL is not supported',
  sample: 'SAMPLE is not supported',
  window: 'window functions are not supported',
  over: 'window functions are not supported',
  qualify: 'QUALIFY is not supported',
  into: 'only SELECT and SHOW statements are supported',
};
for (const word of [
  'insert', 'update', 'delete', 'drop', 'alter', 'create', 'attach', 'detach', 'truncate',
  'rename', 'optimize', 'system', 'kill', 'grant', 'revoke', 'use', 'set', 'explain',
  'describe', 'exchange', 'undrop', 'backup', 'restore', 'watch', 'move', 'check',
]) {
  REFUSED[word] = 'only SELECT and SHOW statements are supported';
}

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';
interface Token {
  kind: TokenKind;
  text: string;
  /** Identifier value: lower-cased word, or the unquoted name of a quoted identifier. */
  value: string;
}

const PUNCT = ['<=', '>=', '!=', '<>', '||', '(', ')', ',', '*', '+', '-', '/', '%', '=', '<', '>', ';', '.'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (sql.startsWith('--', i) || ch === '#') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw invalid('unterminated comment');
      i = end + 2;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw invalid('unterminated string literal');
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      const text = sql.slice(i, j + 1);
      tokens.push({ kind: 'string', text, value: text });
      i = j + 1;
      continue;
    }
    if (ch === '"' || ch === '`') {
      const end = sql.indexOf(ch, i + 1);
      if (end === -1) throw invalid('unterminated quoted identifier');
      const name = sql.slice(i + 1, end);
      if (/[\\\0]/.test(name)) throw invalid('escapes are not supported in quoted identifiers');
      tokens.push({ kind: 'quoted', text: sql.slice(i, end + 1), value: name });
      i = end + 1;
      continue;
    }
    const number = /^(?:0x[0-9a-f]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)/i.exec(sql.slice(i));
    if (number) {
      const after = sql[i + number[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) throw invalid(`unexpected "${number[0]}${after}"`);
      tokens.push({ kind: 'number', text: number[0], value: number[0] });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], value: word[0].toLowerCase() });
      i += word[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => sql.startsWith(p, i));
    if (!punct) throw invalid(`unexpected character "${ch}"`);
    tokens.push({ kind: 'punct', text: punct, value: punct });
    i += punct.length;
  }
  return tokens;
}

export type ParsedQuery =
  | { kind: 'select'; sql: string; format: OutputFormat; dataset: string | null }
  | { kind: 'show_tables'; format: OutputFormat }
  | { kind: 'show_timezones'; format: OutputFormat };

export interface DialectOptions {
  /** Datasets that exist; a query naming any other is refused. */
  datasets: ReadonlySet<string>;
  /** How the store names a dataset's table (database-qualified, quoted). */
  tableFor: (dataset: string) => string;
}

const isWord = (t: Token | undefined, value: string) => t?.kind === 'word' && t.value === value;
const isPunct = (t: Token | undefined, value: string) => t?.kind === 'punct' && t.value === value;

/** Removes a trailing `;` and `FORMAT x`, returning the chosen format. */
function takeFormat(tokens: Token[]): OutputFormat {
  if (isPunct(tokens.at(-1), ';')) tokens.pop();
  const n = tokens.length;
  if (n >= 2 && isWord(tokens[n - 2], 'format')) {
    const name = tokens[n - 1];
    const format = OUTPUT_FORMATS.find((f) => f.toLowerCase() === name.value.toLowerCase());
    if (!format || (name.kind !== 'word' && name.kind !== 'quoted')) {
      throw invalid(`unsupported format ${name.text}; use ${OUTPUT_FORMATS.join(', ')}`);
    }
    tokens.length = n - 2;
    return format;
  }
  return DEFAULT_FORMAT;
}

export function parseQuery(sql: string, options: DialectOptions): ParsedQuery {
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw new SqlApiError(400, 'Input was invalid: empty query');
  const format = takeFormat(tokens);
  if (tokens.some((t) => isPunct(t, ';'))) throw invalid('multiple statements are not supported');
  if (tokens.some((t) => isWord(t, 'format'))) throw invalid('FORMAT must be the last clause');

  const first = tokens[0];
  if (isWord(first, 'show')) {
    if (tokens.length === 2 && isWord(tokens[1], 'tables')) return { kind: 'show_tables', format };
    if (tokens.length === 2 && isWord(tokens[1], 'timezones')) return { kind: 'show_timezones', format };
    throw invalid('only SHOW TABLES and SHOW TIMEZONES are supported');
  }
  if (!isWord(first, 'select') && !(isPunct(first, '(') && isWord(tokens[1], 'select'))) {
    throw invalid('only SELECT and SHOW statements are supported');
  }

  let depth = 0;
  let dataset: string | null = null;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (t.kind === 'punct') {
      if (t.value === '(') depth++;
      if (t.value === ')' && --depth < 0) throw invalid('unbalanced parentheses');
      if (t.value === '.') throw invalid('qualified names are not supported; name columns directly');
      out.push(t.text);
      continue;
    }
    if (t.kind === 'string' || t.kind === 'number') {
      out.push(t.text);
      continue;
    }
    const refusal = t.kind === 'word' ? REFUSED[t.value] : undefined;
    if (refusal) throw invalid(refusal);

    if (isPunct(next, '(') && !(t.kind === 'word' && KEYWORDS.has(t.value))) {
      const canonical = FUNCTIONS.get(t.value.toLowerCase());
      if (!canonical) throw invalid(`unsupported function ${t.kind === 'word' ? t.text : t.value}()`);
      out.push(canonical);
      continue;
    }
    if (isWord(t, 'from')) {
      out.push('FROM');
      if (isPunct(next, '(')) {
        if (!isWord(tokens[i + 2], 'select')) throw invalid('FROM takes a dataset or a SELECT subquery');
        continue;
      }
      if (!next || (next.kind !== 'word' && next.kind !== 'quoted')) throw invalid('FROM needs a dataset name');
      if (isPunct(tokens[i + 2], '(')) throw invalid(`unsupported function ${next.value}()`);
      const name = next.kind === 'word' ? next.text : next.value;
      if (isPunct(tokens[i + 2], '.')) throw invalid('qualified names are not supported; name the dataset only');
      if (!options.datasets.has(name)) throw invalid(`unknown dataset ${name}`);
      if (dataset !== null && dataset !== name) throw invalid('a query reads one dataset only');
      if (isPunct(tokens[i + 2], ',')) throw invalid('JOINs are not supported');
      dataset = name;
      out.push(options.tableFor(name));
      i++;
      continue;
    }
    if (isWord(t, 'in') && next && !isPunct(next, '(')) {
      throw invalid('IN takes a list or a subquery in parentheses');
    }
    if (isWord(t, 'interval') && next?.kind === 'string' && /^'\d+'$/.test(next.text)) {
      // AE writes INTERVAL '7' DAY; ClickHouse's own form takes the bare number.
      out.push('INTERVAL', next.text.slice(1, -1));
      i++;
      continue;
    }
    out.push(t.text);
  }
  if (depth !== 0) throw invalid('unbalanced parentheses');
  return { kind: 'select', sql: out.join(' '), format, dataset };
}
