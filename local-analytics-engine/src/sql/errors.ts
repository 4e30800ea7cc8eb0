/**
 * The one error a dialect check raises: an HTTP status and the text the SQL API answers with.
 * Both of Cloudflare's SQL APIs answer an invalid query with 422 and a text beginning
 * `Input was invalid:`: https://developers.cloudflare.com/analytics/sql-api/errors/ (the AE SQL
 * API does not document its errors; the local AE uses the same words, see the README).
 */
export class SqlApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const invalid = (reason: string) => new SqlApiError(422, `Input was invalid: ${reason}`);
