/**
 * Sizes a JSON batch without building it: a linear scan over the text that counts the elements of
 * arrays directly under the top-level object (the `points`) and all values. The write path refuses
 * a batch past its caps before JSON.parse builds millions of objects from a few megabytes of `{}`.
 * The scan is only a count; JSON.parse still decides whether the text is valid.
 */
export interface JsonScan {
  /** Elements of arrays that are values of the top-level object's keys. */
  elements: number;
  /** Values of any kind, at any depth (an upper bound: every comma and opening bracket counts). */
  values: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function scanJson(text: string): JsonScan {
  const stack: number[] = [];
  let inString = false;
  let firstPending = false;
  let elements = 0;
  let values = 1;
  const inBatchArray = () => stack.length === 2 && stack[0] === OPEN_OBJECT && stack[1] === OPEN_ARRAY;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (firstPending && !isSpace(c)) {
      firstPending = false;
      if (c !== CLOSE_ARRAY) elements++;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        stack.push(c);
        values++;
        if (inBatchArray()) firstPending = true;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        stack.pop();
        break;
      case COMMA:
        values++;
        if (inBatchArray()) elements++;
        break;
    }
  }
  return { elements, values };
}
