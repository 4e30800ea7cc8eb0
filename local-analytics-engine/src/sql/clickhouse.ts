/**
 * Prints a checked statement tree as ClickHouse SQL. Every operator is parenthesised, identifiers
 * are back-quoted and string values are re-encoded, so what ClickHouse parses is exactly the tree
 * that was checked, whatever the original spacing, comments or quoting were.
 */
import type { Expr, Select } from './ast.ts';

/** A ClickHouse string literal: backslash escapes, so a quote or a backslash cannot end it early. */
export function chString(value: string): string {
  let out = "'";
  for (const ch of value.toWellFormed()) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

export function chIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

const OPERATORS: Record<string, string> = { '<>': '!=', '==': '=' };

export function emitExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'string':
      return e.raw ?? chString(e.value);
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'null':
      return 'NULL';
    case 'param':
      // Dialects bind every placeholder before printing; one left here is a bug, not user input.
      throw new Error(`unbound parameter $${e.name}`);
    case 'column':
      return chIdentifier(e.name);
    case 'star':
      return '*';
    case 'interval':
      return `INTERVAL ${emitExpr(e.value)} ${e.unit}`;
    case 'call': {
      const params = e.params ? `(${e.params.map(emitExpr).join(', ')})` : '';
      return `${e.name}${params}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(emitExpr).join(', ')})`;
    }
    case 'extract':
      return `extract(${e.unit} FROM ${emitExpr(e.from)})`;
    case 'position_in':
      return `position(${emitExpr(e.haystack)}, ${emitExpr(e.needle)})`;
    case 'unary':
      return e.op === '-' ? `(-${emitExpr(e.arg)})` : `(NOT ${emitExpr(e.arg)})`;
    case 'binary':
      return `(${emitExpr(e.left)} ${OPERATORS[e.op] ?? e.op} ${emitExpr(e.right)})`;
    case 'like':
      return `(${emitExpr(e.left)} ${e.not ? 'NOT ' : ''}${e.op} ${emitExpr(e.right)})`;
    case 'in':
      return `(${emitExpr(e.left)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(emitExpr).join(', ')}))`;
    case 'in_subquery':
      return `(${emitExpr(e.left)} ${e.not ? 'NOT ' : ''}IN (${emitSelect(e.select)}))`;
    case 'between':
      return `(${emitExpr(e.arg)} ${e.not ? 'NOT ' : ''}BETWEEN ${emitExpr(e.low)} AND ${emitExpr(e.high)})`;
    case 'is_null':
      return `(${emitExpr(e.arg)} IS ${e.not ? 'NOT ' : ''}NULL)`;
    case 'case': {
      const whens = e.whens.map((w) => `WHEN ${emitExpr(w.when)} THEN ${emitExpr(w.then)}`).join(' ');
      return `CASE ${e.operand ? `${emitExpr(e.operand)} ` : ''}${whens}${e.else ? ` ELSE ${emitExpr(e.else)}` : ''} END`;
    }
    case 'paren':
      return `(${emitExpr(e.inner)})`;
    case 'subquery':
      return `(${emitSelect(e.select)})`;
  }
}

export function emitSelect(s: Select): string {
  const parts = [
    `SELECT ${s.distinct ? 'DISTINCT ' : ''}${s.items
      .map((i) => `${emitExpr(i.expr)}${i.alias !== null ? ` AS ${chIdentifier(i.alias)}` : ''}`)
      .join(', ')}`,
  ];
  if (s.from) {
    const source = s.from.kind === 'table' ? s.from.resolved : `(${emitSelect(s.from.select)})`;
    if (!source) throw new Error('unresolved dataset');
    parts.push(`FROM ${source}${s.from.alias !== null ? ` AS ${chIdentifier(s.from.alias)}` : ''}`);
  }
  if (s.where) parts.push(`WHERE ${emitExpr(s.where)}`);
  if (s.groupBy.length) parts.push(`GROUP BY ${s.groupBy.map(emitExpr).join(', ')}`);
  if (s.having) parts.push(`HAVING ${emitExpr(s.having)}`);
  if (s.orderBy.length) {
    parts.push(`ORDER BY ${s.orderBy.map((o) => `${emitExpr(o.expr)}${o.direction ? ` ${o.direction}` : ''}`).join(', ')}`);
  }
  // `LIMIT ALL` is no limit; ClickHouse has no such spelling.
  if (s.limit !== null && s.limit !== 'ALL') parts.push(`LIMIT ${s.limit}`);
  if (s.offset !== null) parts.push(`OFFSET ${s.offset}`);
  return parts.join(' ');
}
