/**
 * A recursive-descent parser for the SELECT statements both of Cloudflare's SQL dialects describe.
 * It accepts the union of their syntax and refuses, with AE's 422 wording, what neither has (joins,
 * unions, CTEs, settings, table functions, …); each dialect then checks the tree against its own
 * reference. Because ClickHouse only ever sees SQL printed from this tree, a construct the parser
 * does not know cannot reach it, and a bound parameter can only ever be one literal.
 */
import type { Expr, OrderItem, Select, SelectItem, Source, Statement } from './ast.ts';
import { invalid } from './errors.ts';
import type { Token } from './lexer.ts';

export interface ParseOptions {
  /** Deepest nesting of parentheses, calls, CASE and subqueries before the statement is refused. */
  maxDepth: number;
  /** Whether SHOW statements exist (AE's SQL API has them; the Analytics SQL API does not). */
  show: boolean;
  /**
   * Keep string literals as written, for ClickHouse to read (AE's SQL API, read with ClickHouse's
   * escapes); otherwise they are re-encoded from their value.
   */
  rawStrings?: boolean;
}

const JOIN = 'JOINs are not supported';
/** Words that cannot appear where the parser met them, with the reason a reader needs. */
const REFUSED: Record<string, string> = {
  join: JOIN, inner: JOIN, left: JOIN, right: JOIN, full: JOIN, cross: JOIN, natural: JOIN,
  asof: JOIN, semi: JOIN, anti: JOIN, paste: JOIN, outer: JOIN, using: JOIN, on: JOIN,
  union: 'UNIONs are not supported',
  intersect: 'INTERSECT is not supported',
  except: 'EXCEPT is not supported',
  settings: 'SETTINGS is not supported',
  window: 'window functions are not supported',
  over: 'window functions are not supported',
  qualify: 'QUALIFY is not supported',
  into: 'INTO is not supported',
  prewhere: 'PREWHERE is not supported',
  final: 'FINAL is not supported',
  sample: 'SAMPLE is not supported',
  array: 'ARRAY JOIN is not supported',
  global: 'GLOBAL is not supported',
  with: 'WITH is not supported',
  fetch: 'FETCH is not supported',
  escape: 'LIKE ... ESCAPE is not supported',
  similar: 'SIMILAR TO is not supported',
  regexp: 'REGEXP is not supported',
  rlike: 'RLIKE is not supported',
  exists: 'subqueries are not supported here',
  collate: 'COLLATE is not supported',
  filter: 'aggregate FILTER clauses are not supported',
  within: 'aggregate-local ORDER BY is not supported',
  nulls: 'NULLS FIRST and NULLS LAST are not supported',
};

/** Words that end an expression or a clause: never a column name, never an implicit alias. */
const RESERVED = new Set([
  'select', 'from', 'where', 'group', 'by', 'having', 'order', 'limit', 'offset', 'as', 'and', 'or',
  'not', 'in', 'between', 'like', 'ilike', 'is', 'case', 'when', 'then', 'else', 'end', 'format',
  'asc', 'desc', 'distinct', 'interval', 'all', ...Object.keys(REFUSED),
]);

const FUNCTION_WORDS = new Set(['format', 'left', 'right']);

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=']);

/** The first words of statements other than SELECT/SHOW, so they get a plain answer. */
export const NOT_A_QUERY = 'only SELECT statements are supported';

export class Parser {
  private pos = 0;
  private depth = 0;
  private readonly tokens: Token[];
  private readonly options: ParseOptions;

  constructor(tokens: Token[], options: ParseOptions) {
    this.tokens = tokens;
    this.options = options;
  }

  // ---- token helpers ------------------------------------------------------------------------

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private isWord(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.value === value;
  }

  private isPunct(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'punct' && t.text === value;
  }

  private take(): Token {
    const t = this.tokens[this.pos];
    if (!t) throw invalid('unexpected end of query');
    this.pos++;
    return t;
  }

  private takeWord(value: string): Token {
    if (!this.isWord(value)) throw this.unexpected(`expected ${value.toUpperCase()}`);
    return this.take();
  }

  private takePunct(value: string): Token {
    if (!this.isPunct(value)) throw this.unexpected(`expected "${value}"`);
    return this.take();
  }

  /** The error for the current token: its specific refusal if it has one, else where it stood. */
  unexpected(expected?: string) {
    const t = this.peek();
    if (!t) return invalid(`unexpected end of query${expected ? `, ${expected}` : ''}`);
    if (t.kind === 'word' && REFUSED[t.value]) return invalid(REFUSED[t.value]);
    return invalid(`unexpected "${t.text}"${expected ? `, ${expected}` : ''}`);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > this.options.maxDepth) {
      throw invalid(`the statement is nested more than ${this.options.maxDepth} levels deep`);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  private get lastEnd(): number {
    return this.tokens[this.pos - 1]?.end ?? 0;
  }

  // ---- statements ---------------------------------------------------------------------------

  parseStatement(): Statement {
    if (this.tokens.length === 0) throw invalid('empty query');
    let statement: Statement;
    if (this.options.show && this.isWord('show')) {
      this.take();
      const what = this.peek();
      if (what?.kind === 'word' && (what.value === 'tables' || what.value === 'timezones' || what.value === 'timezone')) {
        this.take();
        statement = { kind: 'show', what: what.value, format: this.parseFormat() };
      } else {
        throw invalid('only SHOW TABLES, SHOW TIMEZONES and SHOW TIMEZONE are supported');
      }
    } else if (this.isWord('select')) {
      statement = { kind: 'select', select: this.parseSelect(), format: null };
      statement.format = this.parseFormat();
    } else {
      throw invalid(this.options.show ? 'only SELECT and SHOW statements are supported' : NOT_A_QUERY);
    }
    if (this.isPunct(';')) {
      this.take();
      if (this.peek()) throw invalid('multiple statements are not supported');
    }
    if (this.peek()) throw this.unexpected();
    return statement;
  }

  private parseFormat(): string | null {
    if (!this.isWord('format')) return null;
    this.take();
    const name = this.take();
    if (name.kind !== 'word' && name.kind !== 'quoted') throw invalid(`unsupported format ${name.text}`);
    return name.kind === 'word' ? name.text : name.value;
  }

  parseSelect(): Select {
    const start = this.takeWord('select').start;
    const distinct = this.isWord('distinct') ? (this.take(), true) : false;
    const items = [this.parseSelectItem()];
    while (this.isPunct(',')) {
      this.take();
      items.push(this.parseSelectItem());
    }
    const select: Select = {
      kind: 'select', start, end: 0, distinct, items, from: null, where: null, groupBy: [],
      having: null, orderBy: [], limit: null, offset: null,
    };
    if (this.isWord('from')) {
      this.take();
      select.from = this.parseSource();
    }
    if (this.isWord('where')) {
      this.take();
      select.where = this.parseExpr();
    }
    if (this.isWord('group')) {
      this.take();
      this.takeWord('by');
      select.groupBy = this.parseList();
    }
    if (this.isWord('having')) {
      this.take();
      select.having = this.parseExpr();
    }
    if (this.isWord('order')) {
      this.take();
      this.takeWord('by');
      select.orderBy = [this.parseOrderItem()];
      while (this.isPunct(',')) {
        this.take();
        select.orderBy.push(this.parseOrderItem());
      }
    }
    if (this.isWord('limit')) {
      this.take();
      if (this.isWord('all')) {
        this.take();
        select.limit = 'ALL';
      } else {
        select.limit = this.parseCount('LIMIT');
      }
      if (this.isPunct(',')) throw invalid('LIMIT n, m is not supported; use LIMIT n OFFSET m');
      if (this.isWord('by')) throw invalid('LIMIT BY is not supported');
    }
    if (this.isWord('offset')) {
      this.take();
      select.offset = this.parseCount('OFFSET');
      if (this.isWord('rows') || this.isWord('row')) throw invalid('OFFSET ... ROWS is not supported');
    }
    select.end = this.lastEnd;
    return select;
  }

  /** LIMIT and OFFSET take a non-negative integer literal, never a parameter or an expression. */
  private parseCount(clause: string): number {
    const t = this.peek();
    if (t?.kind === 'number' && /^\d+$/.test(t.text)) {
      this.take();
      const n = Number(t.text);
      if (!Number.isSafeInteger(n)) throw invalid(`${clause} ${t.text} is too large`);
      return n;
    }
    throw invalid(`${clause} takes a non-negative integer literal; parameters and expressions are not supported`);
  }

  private parseSelectItem(): SelectItem {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === '*') {
      this.take();
      return { start: t.start, end: t.end, expr: { kind: 'star', start: t.start, end: t.end }, alias: null };
    }
    const expr = this.parseExpr();
    let alias: string | null = null;
    if (this.isWord('as')) {
      this.take();
      alias = this.parseName('an alias');
    } else {
      const next = this.peek();
      if (next && (next.kind === 'quoted' || (next.kind === 'word' && !RESERVED.has(next.value)))) {
        throw invalid(`write AS before the alias ${next.text}`);
      }
    }
    return { start: expr.start, end: this.lastEnd, expr, alias };
  }

  private parseName(what: string): string {
    const t = this.peek();
    if (t?.kind === 'quoted') return this.take().value;
    if (t?.kind === 'word' && !RESERVED.has(t.value)) return this.take().text;
    throw this.unexpected(`expected ${what}`);
  }

  private parseSource(): Source {
    const start = this.peek()?.start ?? 0;
    let source: Source;
    if (this.isPunct('(')) {
      if (!this.isWord('select', 1)) throw invalid('FROM takes a dataset or a SELECT subquery');
      this.take();
      const select = this.nested(() => this.parseSelect());
      this.takePunct(')');
      source = { kind: 'subquery', select, alias: null, start, end: this.lastEnd };
    } else {
      const t = this.peek();
      if (!t || (t.kind !== 'word' && t.kind !== 'quoted') || (t.kind === 'word' && RESERVED.has(t.value))) {
        throw this.unexpected('expected a dataset after FROM');
      }
      const path = [this.take().kind === 'quoted' ? t.value : t.text];
      while (this.isPunct('.')) {
        this.take();
        const part = this.peek();
        if (!part || (part.kind !== 'word' && part.kind !== 'quoted')) throw this.unexpected('expected a name after "."');
        this.take();
        path.push(part.kind === 'quoted' ? part.value : part.text);
      }
      if (this.isPunct('(')) throw invalid(`table functions are not supported: ${path.join('.')}()`);
      source = { kind: 'table', path, alias: null, start, end: this.lastEnd };
    }
    if (this.isWord('as')) {
      this.take();
      source.alias = this.parseName('an alias');
    } else if (this.peek()?.kind === 'quoted' || (this.peek()?.kind === 'word' && !RESERVED.has(this.peek()!.value))) {
      source.alias = this.parseName('an alias');
    }
    source.end = this.lastEnd;
    // Exactly one source: a comma or a join keyword after it is a second one.
    if (this.isPunct(',')) throw invalid(`${JOIN}: a query reads one dataset`);
    return source;
  }

  private parseOrderItem(): OrderItem {
    const expr = this.parseExpr();
    let direction: OrderItem['direction'] = null;
    if (this.isWord('asc') || this.isWord('desc')) direction = this.take().value === 'asc' ? 'ASC' : 'DESC';
    if (this.isWord('nulls')) throw invalid(REFUSED.nulls);
    if (this.isWord('with')) throw invalid('WITH FILL is not supported');
    return { expr, direction };
  }

  private parseList(): Expr[] {
    const list = [this.parseExpr()];
    while (this.isPunct(',')) {
      this.take();
      list.push(this.parseExpr());
    }
    return list;
  }

  // ---- expressions --------------------------------------------------------------------------

  parseExpr(): Expr {
    return this.parseOr();
  }

  private binary(op: string, left: Expr, right: Expr): Expr {
    return { kind: 'binary', op, left, right, start: left.start, end: right.end };
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.take();
      left = this.binary('OR', left, this.parseAnd());
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isWord('and')) {
      this.take();
      left = this.binary('AND', left, this.parseNot());
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isWord('not')) {
      const start = this.take().start;
      const arg = this.nested(() => this.parseNot());
      return { kind: 'unary', op: 'NOT', arg, start, end: arg.end };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t?.kind === 'punct' && COMPARISONS.has(t.text)) {
      this.take();
      const node = this.binary(t.text, left, this.parseAdditive());
      const next = this.peek();
      if (next?.kind === 'punct' && COMPARISONS.has(next.text)) throw invalid('chained comparisons are not supported');
      return node;
    }
    if (this.isWord('is')) {
      this.take();
      const not = this.isWord('not') ? (this.take(), true) : false;
      this.takeWord('null');
      return { kind: 'is_null', not, arg: left, start: left.start, end: this.lastEnd };
    }
    const not = this.isWord('not') ? (this.take(), true) : false;
    if (this.isWord('like') || this.isWord('ilike')) {
      const op = this.take().value === 'like' ? 'LIKE' : 'ILIKE';
      const right = this.parseAdditive();
      if (this.isWord('escape')) throw invalid(REFUSED.escape);
      return { kind: 'like', op, not, left, right, start: left.start, end: right.end };
    }
    if (this.isWord('in')) {
      this.take();
      if (!this.isPunct('(')) throw invalid('IN takes a list in parentheses');
      if (this.isWord('select', 1)) {
        this.take();
        const select = this.nested(() => this.parseSelect());
        this.takePunct(')');
        return { kind: 'in_subquery', not, left, select, start: left.start, end: this.lastEnd };
      }
      this.take();
      if (this.isPunct(')')) throw invalid('IN takes a non-empty list');
      const list = this.nested(() => this.parseList());
      this.takePunct(')');
      return { kind: 'in', not, left, list, start: left.start, end: this.lastEnd };
    }
    if (this.isWord('between')) {
      this.take();
      const low = this.parseAdditive();
      this.takeWord('and');
      const high = this.parseAdditive();
      return { kind: 'between', not, arg: left, low, high, start: left.start, end: high.end };
    }
    if (not) throw this.unexpected('expected LIKE, ILIKE, IN or BETWEEN after NOT');
    return left;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    for (;;) {
      if (this.isPunct('+') || this.isPunct('-')) {
        const op = this.take().text;
        left = this.binary(op, left, this.parseMultiplicative());
      } else if (this.isPunct('||')) {
        throw invalid('the || operator is not supported');
      } else {
        return left;
      }
    }
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const op = this.take().text;
      left = this.binary(op, left, this.parseUnary());
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isPunct('-')) {
      const start = this.take().start;
      const arg = this.nested(() => this.parseUnary());
      return { kind: 'unary', op: '-', arg, start, end: arg.end };
    }
    const expr = this.parsePrimary();
    if (this.isPunct('::')) throw invalid('user-authored casts are not supported');
    if (this.isPunct('.')) throw invalid('qualified names are not supported; name columns directly');
    return expr;
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (!t) throw this.unexpected();
    switch (t.kind) {
      case 'number':
        this.take();
        return { kind: 'number', text: t.text, start: t.start, end: t.end };
      case 'string':
        this.take();
        return { kind: 'string', value: t.value, ...(this.options.rawStrings ? { raw: t.text } : {}), start: t.start, end: t.end };
      case 'param':
        this.take();
        return { kind: 'param', name: t.value, start: t.start, end: t.end };
      case 'quoted':
        this.take();
        if (this.isPunct('(')) return this.parseCall(t);
        return { kind: 'column', name: t.value, start: t.start, end: t.end };
      case 'punct':
        if (t.text === '(') return this.parseParenthesized();
        throw this.unexpected();
      case 'word':
        return this.parseWord(t);
    }
  }

  private parseParenthesized(): Expr {
    const start = this.take().start;
    return this.nested(() => {
      if (this.isWord('select')) {
        const select = this.parseSelect();
        this.takePunct(')');
        return { kind: 'subquery', select, start, end: this.lastEnd };
      }
      const inner = this.parseExpr();
      if (this.isPunct(',')) throw invalid('tuples are not supported');
      this.takePunct(')');
      return { kind: 'paren', inner, start, end: this.lastEnd };
    });
  }

  private parseWord(t: Token): Expr {
    const v = t.value;
    if (v === 'true' || v === 'false') {
      this.take();
      return { kind: 'bool', value: v === 'true', start: t.start, end: t.end };
    }
    if (v === 'null') {
      this.take();
      return { kind: 'null', start: t.start, end: t.end };
    }
    if (v === 'interval') return this.parseInterval();
    if (v === 'case') return this.nested(() => this.parseCase());
    if (v === 'cast' && this.isPunct('(', 1)) throw invalid('user-authored casts are not supported');
    if (v === 'extract' && this.isPunct('(', 1)) return this.parseExtract();
    if (v === 'position' && this.isPunct('(', 1)) {
      const call = this.parseCall(this.take(), true);
      return call;
    }
    // A few clause and join words are also function names (AE documents format()).
    if (RESERVED.has(v) && !(FUNCTION_WORDS.has(v) && this.isPunct('(', 1))) throw this.unexpected();
    this.take();
    if (this.isPunct('(')) return this.parseCall(t);
    return { kind: 'column', name: t.text, start: t.start, end: t.end };
  }

  private parseInterval(): Expr {
    const start = this.take().start;
    const value = this.peek();
    if (!value || (value.kind !== 'string' && value.kind !== 'number')) {
      throw invalid(`INTERVAL takes a quoted integer and a unit, as in INTERVAL '7' DAY`);
    }
    this.take();
    const unit = this.peek();
    if (unit?.kind !== 'word') throw this.unexpected('expected an INTERVAL unit');
    this.take();
    const node: Expr =
      value.kind === 'string'
        ? { kind: 'string', value: value.value, start: value.start, end: value.end }
        : { kind: 'number', text: value.text, start: value.start, end: value.end };
    return { kind: 'interval', value: node, quoted: value.kind === 'string', unit: unit.value.toUpperCase(), start, end: unit.end };
  }

  private parseCase(): Expr {
    const start = this.take().start;
    const operand = this.isWord('when') ? null : this.parseExpr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.isWord('when')) {
      this.take();
      const when = this.parseExpr();
      this.takeWord('then');
      whens.push({ when, then: this.parseExpr() });
    }
    if (whens.length === 0) throw this.unexpected('expected WHEN');
    let otherwise: Expr | null = null;
    if (this.isWord('else')) {
      this.take();
      otherwise = this.parseExpr();
    }
    this.takeWord('end');
    return { kind: 'case', operand, whens, else: otherwise, start, end: this.lastEnd };
  }

  private parseExtract(): Expr {
    const start = this.take().start;
    return this.nested(() => {
      this.takePunct('(');
      const unit = this.peek();
      if (unit?.kind !== 'word' || !this.isWord('from', 1)) throw invalid('extract takes (<unit> FROM <datetime>)');
      this.take();
      this.take();
      const from = this.parseExpr();
      this.takePunct(')');
      return { kind: 'extract', unit: unit.value.toUpperCase(), from, start, end: this.lastEnd };
    });
  }

  /** `name(args)`, `name(params)(args)`, `count(*)`, `f(DISTINCT x)`; `position(a IN b)`. */
  private parseCall(nameToken: Token, position = false): Expr {
    const name = nameToken.kind === 'quoted' ? nameToken.value : nameToken.text;
    return this.nested(() => {
      this.takePunct('(');
      if (position && !this.isPunct(')')) {
        const needle = this.parseAdditive();
        if (this.isWord('in')) {
          this.take();
          const haystack = this.parseExpr();
          this.takePunct(')');
          return { kind: 'position_in', needle, haystack, start: nameToken.start, end: this.lastEnd };
        }
        const args = [needle];
        while (this.isPunct(',')) {
          this.take();
          args.push(this.parseExpr());
        }
        this.takePunct(')');
        return this.finishCall(nameToken, name, null, args, false);
      }
      const first = this.parseArguments();
      if (this.isPunct('(')) {
        if (first.distinct) throw invalid(`DISTINCT belongs in the argument list of ${name}()`);
        this.take();
        const second = this.parseArguments();
        return this.finishCall(nameToken, name, first.args, second.args, second.distinct);
      }
      return this.finishCall(nameToken, name, null, first.args, first.distinct);
    });
  }

  /** The inside of one argument list, after its `(`, through its `)`. */
  private parseArguments(): { args: Expr[]; distinct: boolean } {
    if (this.isPunct(')')) {
      this.take();
      return { args: [], distinct: false };
    }
    if (this.isPunct('*') && this.isPunct(')', 1)) {
      const t = this.take();
      this.take();
      return { args: [{ kind: 'star', start: t.start, end: t.end }], distinct: false };
    }
    const distinct = this.isWord('distinct') ? (this.take(), true) : false;
    const args = this.parseList();
    if (this.isWord('order')) throw invalid(REFUSED.within);
    this.takePunct(')');
    return { args, distinct };
  }

  private finishCall(nameToken: Token, name: string, params: Expr[] | null, args: Expr[], distinct: boolean): Expr {
    if (this.isWord('over')) throw invalid(REFUSED.over);
    if (this.isWord('filter')) throw invalid(REFUSED.filter);
    return {
      kind: 'call', name, lname: name.toLowerCase(), params, args, distinct, start: nameToken.start, end: this.lastEnd,
    };
  }
}

export function parseStatement(tokens: Token[], options: ParseOptions): Statement {
  try {
    return new Parser(tokens, options).parseStatement();
  } catch (error) {
    // A statement nested past the engine's own stack is refused like one past maxDepth.
    if (error instanceof RangeError) throw invalid('the statement is nested too deeply');
    throw error;
  }
}
