/**
 * The statement tree the parser builds and the dialect checks walk. Every node keeps its offsets in
 * the statement, so an error can quote what was written and an unaliased column can be named after
 * its source text.
 */
interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { kind: 'number'; text: string })
  | (Span & {
      kind: 'string';
      value: string;
      /** ClickHouse text to print instead of re-encoding `value` (AE's literals pass as written). */
      raw?: string;
    })
  | (Span & { kind: 'bool'; value: boolean })
  | (Span & { kind: 'null' })
  | (Span & { kind: 'param'; name: string })
  | (Span & { kind: 'column'; name: string })
  | (Span & { kind: 'star' })
  | (Span & { kind: 'interval'; value: Expr; quoted: boolean; unit: string })
  | (Span & {
      kind: 'call';
      /** As written; `lname` is the lower-cased form the function tables are keyed by. */
      name: string;
      lname: string;
      /** Parametric aggregates' first list, e.g. the `10` of `topK(10)(x)`. */
      params: Expr[] | null;
      args: Expr[];
      distinct: boolean;
    })
  | (Span & { kind: 'extract'; unit: string; from: Expr })
  | (Span & { kind: 'position_in'; needle: Expr; haystack: Expr })
  | (Span & { kind: 'unary'; op: '-' | 'NOT'; arg: Expr })
  | (Span & { kind: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { kind: 'like'; op: 'LIKE' | 'ILIKE'; not: boolean; left: Expr; right: Expr })
  | (Span & { kind: 'in'; not: boolean; left: Expr; list: Expr[] })
  | (Span & { kind: 'in_subquery'; not: boolean; left: Expr; select: Select })
  | (Span & { kind: 'between'; not: boolean; arg: Expr; low: Expr; high: Expr })
  | (Span & { kind: 'is_null'; not: boolean; arg: Expr })
  | (Span & { kind: 'case'; operand: Expr | null; whens: { when: Expr; then: Expr }[]; else: Expr | null })
  | (Span & { kind: 'paren'; inner: Expr })
  | (Span & { kind: 'subquery'; select: Select });

export type ExprOf<K extends Expr['kind']> = Extract<Expr, { kind: K }>;

export interface SelectItem extends Span {
  expr: Expr;
  alias: string | null;
}

export type Source =
  | (Span & { kind: 'table'; path: string[]; alias: string | null; /** set by the dialect */ resolved?: string })
  | (Span & { kind: 'subquery'; select: Select; alias: string | null });

export interface OrderItem {
  expr: Expr;
  direction: 'ASC' | 'DESC' | null;
}

export interface Select extends Span {
  kind: 'select';
  distinct: boolean;
  items: SelectItem[];
  from: Source | null;
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  orderBy: OrderItem[];
  /** `null` when absent; `'ALL'` for `LIMIT ALL`. */
  limit: number | 'ALL' | null;
  offset: number | null;
}

export type Statement =
  | { kind: 'select'; select: Select; format: string | null }
  | { kind: 'show'; what: 'tables' | 'timezones' | 'timezone'; format: string | null };

/** Calls `visit` on every expression under `expr`, parents first; subqueries included. */
export function walkExpr(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  for (const child of children(expr)) walkExpr(child, visit);
  if (expr.kind === 'subquery' || expr.kind === 'in_subquery') walkSelect(expr.select, visit);
}

export function walkSelect(select: Select, visit: (e: Expr) => void): void {
  for (const e of selectExprs(select)) walkExpr(e, visit);
  if (select.from?.kind === 'subquery') walkSelect(select.from.select, visit);
}

/** The expressions of one SELECT's own clauses (not those of a subquery in FROM). */
export function selectExprs(select: Select): Expr[] {
  return [
    ...select.items.map((i) => i.expr),
    ...(select.where ? [select.where] : []),
    ...select.groupBy,
    ...(select.having ? [select.having] : []),
    ...select.orderBy.map((o) => o.expr),
  ];
}

export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'interval':
      return [expr.value];
    case 'call':
      return [...(expr.params ?? []), ...expr.args];
    case 'extract':
      return [expr.from];
    case 'position_in':
      return [expr.needle, expr.haystack];
    case 'unary':
      return [expr.arg];
    case 'binary':
    case 'like':
      return [expr.left, expr.right];
    case 'in':
      return [expr.left, ...expr.list];
    case 'in_subquery':
      return [expr.left];
    case 'between':
      return [expr.arg, expr.low, expr.high];
    case 'is_null':
      return [expr.arg];
    case 'case':
      return [
        ...(expr.operand ? [expr.operand] : []),
        ...expr.whens.flatMap((w) => [w.when, w.then]),
        ...(expr.else ? [expr.else] : []),
      ];
    case 'paren':
      return [expr.inner];
    default:
      return [];
  }
}

/** Returns a copy of `expr` with `fn` applied bottom-up: children first, then the node itself. */
export function mapExpr(expr: Expr, fn: (e: Expr) => Expr): Expr {
  const m = (e: Expr) => mapExpr(e, fn);
  let copy: Expr;
  switch (expr.kind) {
    case 'interval':
      copy = { ...expr, value: m(expr.value) };
      break;
    case 'call':
      copy = { ...expr, params: expr.params?.map(m) ?? null, args: expr.args.map(m) };
      break;
    case 'extract':
      copy = { ...expr, from: m(expr.from) };
      break;
    case 'position_in':
      copy = { ...expr, needle: m(expr.needle), haystack: m(expr.haystack) };
      break;
    case 'unary':
      copy = { ...expr, arg: m(expr.arg) };
      break;
    case 'binary':
    case 'like':
      copy = { ...expr, left: m(expr.left), right: m(expr.right) };
      break;
    case 'in':
      copy = { ...expr, left: m(expr.left), list: expr.list.map(m) };
      break;
    case 'in_subquery':
      copy = { ...expr, left: m(expr.left), select: mapSelect(expr.select, fn) };
      break;
    case 'between':
      copy = { ...expr, arg: m(expr.arg), low: m(expr.low), high: m(expr.high) };
      break;
    case 'is_null':
      copy = { ...expr, arg: m(expr.arg) };
      break;
    case 'case':
      copy = {
        ...expr,
        operand: expr.operand ? m(expr.operand) : null,
        whens: expr.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
        else: expr.else ? m(expr.else) : null,
      };
      break;
    case 'paren':
      copy = { ...expr, inner: m(expr.inner) };
      break;
    case 'subquery':
      copy = { ...expr, select: mapSelect(expr.select, fn) };
      break;
    default:
      copy = expr;
  }
  return fn(copy);
}

export function mapSelect(select: Select, fn: (e: Expr) => Expr): Select {
  const m = (e: Expr) => mapExpr(e, fn);
  return {
    ...select,
    items: select.items.map((i) => ({ ...i, expr: m(i.expr) })),
    from: select.from?.kind === 'subquery' ? { ...select.from, select: mapSelect(select.from.select, fn) } : select.from,
    where: select.where ? m(select.where) : null,
    groupBy: select.groupBy.map(m),
    having: select.having ? m(select.having) : null,
    orderBy: select.orderBy.map((o) => ({ ...o, expr: m(o.expr) })),
  };
}
