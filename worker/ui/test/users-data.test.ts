import { describe, expect, it } from 'vitest';
import { USER_LIST } from '@usage-lens/contract';
import { usersByIdsPaths, usersPath } from '../src/users-data.ts';

describe('the users list’s requests', () => {
  it('asks the worker for one page, with the trimmed search when there is one', () => {
    const url = new URL(usersPath({ q: '  ada ', offset: 200 }), 'http://x');
    expect(url.pathname).toBe('/api/admin/users');
    expect(Object.fromEntries(url.searchParams)).toEqual({ limit: String(USER_LIST.defaultPageSize), offset: '200', q: 'ada' });
    expect(new URL(usersPath({ q: '   ', offset: 0 }, 8), 'http://x').search).toBe('?limit=8&offset=0');
  });

  it('asks for the users of ids once each, in as few requests as the worker allows', () => {
    expect(usersByIdsPaths([])).toEqual([]);
    expect(usersByIdsPaths(['b', 'a', 'b', ''])).toEqual(['/api/admin/users?ids=a%2Cb']);
    const many = Array.from({ length: USER_LIST.maxIds * 2 + 1 }, (_, i) => `u${String(i).padStart(4, '0')}`);
    const paths = usersByIdsPaths(many);
    expect(paths).toHaveLength(3);
    const asked = paths.flatMap((p) => new URL(p, 'http://x').searchParams.get('ids')!.split(','));
    expect(asked).toEqual(many);
    expect(paths.every((p) => new URL(p, 'http://x').searchParams.get('ids')!.split(',').length <= USER_LIST.maxIds)).toBe(true);
  });
});
