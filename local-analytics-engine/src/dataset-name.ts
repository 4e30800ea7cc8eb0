/**
 * Which dataset names the local AE accepts: the characters of an unquoted SQL identifier, so a
 * name can be a table name without quoting. Kept free of Node imports: the dialect checkers use it
 * and may run in workerd.
 */
const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isDatasetName(name: string): boolean {
  return DATASET_NAME.test(name);
}
