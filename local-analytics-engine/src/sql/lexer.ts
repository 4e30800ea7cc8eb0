/**
 * One tokenizer for both SQL dialects the local AE speaks. The dialects differ in how they read a
 * string literal and which identifier quotes and placeholders they know, so those are options;
 * everything else (comments, numbers, operators) is shared. Nothing is ever passed through as raw
 * text: the parser builds a tree from these tokens and ClickHouse gets SQL printed from that tree.
 */
import { invalid } from './errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'param';

export interface Token {
  kind: TokenKind;
  /** The token as written. */
  text: string;
  /**
   * word: lower-cased; quoted: the identifier inside the quotes; string: the decoded value;
   * param: the placeholder's name without `$` ("1" for `$1`); otherwise the text.
   */
  value: string;
  /** Offset of the token in the statement, for error messages and source text of expressions. */
  start: number;
  end: number;
}

export interface LexOptions {
  /**
   * `clickhouse`: backslash escapes and doubled quotes (how AE's SQL API is read locally; AE does
   * not document escapes, see the README). `standard`: only a doubled quote escapes a quote and a
   * backslash is an ordinary character, as the Analytics SQL API documents: "Escape a single quote
   * inside a string according to standard SQL string literal syntax."
   * https://developers.cloudflare.com/analytics/sql-api/sql-reference/data-types/
   */
  strings: 'clickhouse' | 'standard';
  /** Characters that quote an identifier. */
  identifierQuotes: string;
  /** Whether `$1` / `$name` placeholders exist. */
  params: boolean;
  /** Whether `/* … *\/` comments exist (`--` comments always do). */
  blockComments: boolean;
}

const PUNCT = ['<=', '>=', '!=', '<>', '==', '||', '::', '(', ')', ',', '*', '+', '-', '/', '%', '=', '<', '>', ';', '.'];

const CLICKHOUSE_ESCAPES: Record<string, string> = {
  b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', v: '\v', e: '\x1b',
};

/** Reads a ClickHouse string body (between the quotes) into its value. */
function decodeClickHouse(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else if (ch === '\\' && i + 1 < body.length) {
      const next = body[++i];
      if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(body.slice(i + 1, i + 3))) {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        out += CLICKHOUSE_ESCAPES[next] ?? next;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

export function tokenize(sql: string, options: LexOptions): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string) => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      if (!options.blockComments) throw invalid('/* */ comments are not supported; use --');
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw invalid('unterminated comment');
      i = end + 2;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw invalid('unterminated string literal');
        if (options.strings === 'clickhouse' && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      const body = sql.slice(i + 1, j);
      push('string', i, j + 1, options.strings === 'clickhouse' ? decodeClickHouse(body) : body.replaceAll("''", "'"));
      i = j + 1;
      continue;
    }
    if (options.identifierQuotes.includes(ch)) {
      const end = sql.indexOf(ch, i + 1);
      if (end === -1) throw invalid('unterminated quoted identifier');
      const name = sql.slice(i + 1, end);
      if (name === '') throw invalid('empty quoted identifier');
      if (/[\\\0]/.test(name)) throw invalid('escapes are not supported in quoted identifiers');
      push('quoted', i, end + 1, name);
      i = end + 1;
      continue;
    }
    if (ch === '"' || ch === '`') throw invalid(`${ch}-quoted identifiers are not supported`);
    if (ch === '$') {
      const name = /^\$(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i));
      if (!options.params || !name) throw invalid(`unexpected character "$"`);
      push('param', i, i + name[0].length, name[1]);
      i += name[0].length;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(sql.slice(i));
    if (number) {
      const after = sql[i + number[0].length];
      if (after !== undefined && /[A-Za-z_$]/.test(after)) throw invalid(`unexpected "${number[0]}${after}"`);
      push('number', i, i + number[0].length);
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) {
      push('word', i, i + word[0].length, word[0].toLowerCase());
      i += word[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => sql.startsWith(p, i));
    if (!punct) throw invalid(`unexpected character "${String.fromCodePoint(sql.codePointAt(i)!)}"`);
    push('punct', i, i + punct.length);
    i += punct.length;
  }
  return tokens;
}
