import { describe, expect, it } from 'vitest';
import { errorMessage } from '../src/api.ts';

describe('errorMessage', () => {
  it('shows the worker’s own sentence for a 400', () => {
    expect(errorMessage(400, { error: 'q: matches more than 1,000 users; narrow the search', field: 'q' })).toBe(
      'q: matches more than 1,000 users; narrow the search',
    );
  });

  it('says a 502 is the usage store, and keeps what the worker said', () => {
    expect(errorMessage(502, { error: 'Analytics Engine rejected the query: Input was invalid: JOINs are not supported' })).toBe(
      'Usage data is unavailable (502): Analytics Engine rejected the query: Input was invalid: JOINs are not supported',
    );
  });

  it('adds when to try again for a 503 with Retry-After', () => {
    expect(errorMessage(503, { error: 'Analytics Engine is busy (429)' }, 30)).toBe(
      'Usage data is busy (503): Analytics Engine is busy (429). Try again in 30 s.',
    );
  });

  it('does not dump a proxy’s HTML page', () => {
    const message = errorMessage(502, '<html><body>Bad Gateway</body></html>');
    expect(message).toBe('Usage data is unavailable (502).');
    expect(errorMessage(504, null)).toBe('Usage data took too long (504).');
  });

  it('has words for the statuses that come without a body', () => {
    expect(errorMessage(401, null)).toBe('You are signed out.');
    expect(errorMessage(403, null)).toBe('Admins only.');
    expect(errorMessage(500, {})).toBe('The worker answered 500.');
  });
});
