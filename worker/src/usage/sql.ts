/**
 * SQL text for AE's SQL API, which has no bind parameters: every value is escaped here.
 */

/** A ClickHouse string literal: backslash escapes, so quotes and backslashes cannot end it early. */
export function quote(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

export function quoteList(values: readonly string[]): string {
  return `(${values.map(quote).join(', ')})`;
}

const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function datasetIdentifier(name: string): string {
  if (!DATASET.test(name)) throw new Error(`invalid dataset name ${JSON.stringify(name)}`);
  return name;
}

/** Unix seconds to a DateTime expression (AE stores second precision, in UTC). */
export function dateTime(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`invalid time ${seconds}`);
  return `toDateTime(${seconds})`;
}
