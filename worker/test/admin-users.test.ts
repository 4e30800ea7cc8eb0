/**
 * GET /api/admin/users in pages (`limit`, `offset`), searched (`q`) and by `ids`; PATCH answering
 * the updated user; GET /api/admin/me for anyone signed in.
 */
import { USER_LIST, type AdminUser, type UsersAnswer } from '@usage-lens/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createKey, signUp, signUpAdmin, verifyEmail, type Caller } from './helpers.ts';

let admin: Caller;
const people: Caller[] = [];

beforeAll(async () => {
  admin = await signUpAdmin();
  // Names and addresses no other user in this file shares, so searches have known answers.
  people.push(await signUp('Quentin Pagewright', 'quentin.pagewright@example.com'));
  people.push(await signUp('Rosalind Pagewright', 'rosalind@pagewright.example'));
  people.push(await signUp('Percent 100% Sure', 'percent@example.com'));
  for (let i = 0; i < 4; i++) people.push(await signUp(`Filler ${i}`));
});

const users = async (query: string, token = admin.token) => {
  const res = await call(`/api/admin/users${query}`, { token });
  return { status: res.status, body: (await res.json()) as UsersAnswer & { error?: string; field?: string } };
};

describe('GET /api/admin/users: pages', () => {
  it('answers the first page by default, with the whole list’s total', async () => {
    const { status, body } = await users('');
    expect(status).toBe(200);
    expect(body.page).toEqual({ limit: USER_LIST.defaultPageSize, offset: 0, total: body.users.length, nextOffset: null });
    expect(body.users.length).toBe(people.length + 1);
    expect(body.users.find((u) => u.id === admin.userId)).toMatchObject({ name: 'Ada Admin', isAdmin: true, emailVerified: true });
  });

  it('walks every user once, oldest account first, page by page', async () => {
    const { body: all } = await users('');
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const { status, body }: { status: number; body: UsersAnswer } = await users(`?limit=3&offset=${offset}`);
      expect(status).toBe(200);
      expect(body.page).toMatchObject({ limit: 3, offset, total: all.users.length });
      expect(body.users.length).toBeLessThanOrEqual(3);
      seen.push(...body.users.map((u) => u.id));
      offset = body.page.nextOffset;
      pages++;
    }
    expect(pages).toBe(Math.ceil(all.users.length / 3));
    expect(seen).toEqual(all.users.map((u) => u.id));
    // Past the end: no users, the total still said.
    const past = await users('?offset=1000');
    expect(past.body).toEqual({ users: [], page: { limit: 100, offset: 1000, total: all.users.length, nextOffset: null } });
  });

  it.each([
    ['?limit=0', 'limit'],
    [`?limit=${USER_LIST.maxPageSize + 1}`, 'limit'],
    ['?limit=ten', 'limit'],
    ['?limit=1.5', 'limit'],
    ['?limit=2&limit=3', 'limit'],
    ['?offset=-1', 'offset'],
    ['?q=a&q=b', 'q'],
    [`?q=${'x'.repeat(101)}`, 'q'],
    ['?q=%01', 'q'],
    ['?sort=name', 'sort'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const { status, body } = await users(query);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.error).toMatch(new RegExp(`^${field}: `));
  });

  it('takes the largest page it allows', async () => {
    const { status, body } = await users(`?limit=${USER_LIST.maxPageSize}`);
    expect(status).toBe(200);
    expect(body.page.limit).toBe(USER_LIST.maxPageSize);
  });
});

describe('GET /api/admin/users?q=', () => {
  it('finds users by name in any case, by email and by id, and counts the matches', async () => {
    const byName = await users('?q=PAGEWRIGHT');
    expect(byName.body.users.map((u) => u.name)).toEqual(['Quentin Pagewright', 'Rosalind Pagewright']);
    expect(byName.body.page).toEqual({ limit: 100, offset: 0, total: 2, nextOffset: null });

    const byEmail = await users('?q=rosalind@');
    expect(byEmail.body.users.map((u) => u.email)).toEqual(['rosalind@pagewright.example']);

    const byId = await users(`?q=${encodeURIComponent(people[0].userId)}`);
    expect(byId.body.users.map((u) => u.id)).toEqual([people[0].userId]);

    const paged = await users('?q=pagewright&limit=1');
    expect(paged.body.users.map((u) => u.name)).toEqual(['Quentin Pagewright']);
    expect(paged.body.page).toEqual({ limit: 1, offset: 0, total: 2, nextOffset: 1 });
  });

  it('reads % and _ as characters, and answers no match as an empty page', async () => {
    const percent = await users(`?q=${encodeURIComponent('100%')}`);
    expect(percent.body.users.map((u) => u.name)).toEqual(['Percent 100% Sure']);
    const underscore = await users('?q=Pagewrigh_');
    expect(underscore.body.users).toEqual([]);
    expect(underscore.body.page).toEqual({ limit: 100, offset: 0, total: 0, nextOffset: null });
  });
});

describe('GET /api/admin/users?ids=', () => {
  it('answers the users of the ids, in the order asked, leaving out unknown ids', async () => {
    const [a, b] = people;
    const { status, body } = await users(`?ids=${b.userId},no-such-user,${a.userId}`);
    expect(status).toBe(200);
    expect(body.users.map((u) => u.name)).toEqual(['Rosalind Pagewright', 'Quentin Pagewright']);
    expect(body.page).toEqual({ limit: 3, offset: 0, total: 2, nextOffset: null });
    // Repeated parameters and repeated ids are one list.
    const repeated = await users(`?ids=${a.userId}&ids=${a.userId},${admin.userId}`);
    expect(repeated.body.users.map((u) => u.id)).toEqual([a.userId, admin.userId]);
  });

  it('gives the same user as the list does', async () => {
    const { body: list } = await users('');
    const { body } = await users(`?ids=${admin.userId}`);
    expect(body.users).toEqual([list.users.find((u) => u.id === admin.userId)]);
  });

  it(`takes up to ${USER_LIST.maxIds} ids; more, none, or with paging is a 400 naming ids`, async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `id_${i}`).join(',');
    expect((await users(`?ids=${ids(USER_LIST.maxIds)}`)).status).toBe(200);
    for (const query of [`?ids=${ids(USER_LIST.maxIds + 1)}`, '?ids=', '?ids=,,', `?ids=a&q=b`, '?ids=a&limit=5', `?ids=${'x'.repeat(257)}`]) {
      const { status, body } = await users(query);
      expect(status, query).toBe(400);
      expect(body.field, query).toBe('ids');
    }
  });
});

describe('PATCH /api/admin/users/:id', () => {
  it('answers the updated user, as the list shows it', async () => {
    const target = people[3];
    const res = await call(`/api/admin/users/${target.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'admin' } });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as AdminUser;
    expect(updated).toMatchObject({ id: target.userId, name: target.name, email: target.email, role: 'admin', isAdmin: true, orgId: '' });
    expect(updated).toEqual((await users(`?ids=${target.userId}`)).body.users[0]);

    const org = (await (await call('/api/admin/orgs', { token: admin.token, method: 'POST', body: { name: 'Patch Org' } })).json()) as { id: string };
    const moved = await call(`/api/admin/users/${target.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'user', orgId: org.id } });
    expect(await moved.json()).toMatchObject({ id: target.userId, role: 'user', isAdmin: false, orgId: org.id });
  });

  it('says an ADMIN_EMAILS admin stays an admin with role user (what the browser cannot know)', async () => {
    const root = await signUp('Root Listed', 'root@example.com');
    await verifyEmail(root);
    const res = await call(`/api/admin/users/${root.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'user' } });
    expect(await res.json()).toMatchObject({ role: 'user', isAdmin: true });
  });

  it('is a 404 for no such user', async () => {
    const res = await call('/api/admin/users/no-such-user', { token: admin.token, method: 'PATCH', body: { role: 'user' } });
    expect(res.status).toBe(404);
  });
});

describe('GET /api/admin/me', () => {
  const me = async (token?: string) => {
    const res = await call('/api/admin/me', { token });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('tells an admin they are one', async () => {
    expect(await me(admin.token)).toEqual({
      status: 200,
      body: { id: admin.userId, email: admin.email, name: 'Ada Admin', isAdmin: true },
    });
  });

  it('answers a signed-in non-admin too, who the rest of /api/admin refuses', async () => {
    const plain = people[1];
    expect(await me(plain.token)).toEqual({ status: 200, body: { id: plain.userId, email: plain.email, name: plain.name, isAdmin: false } });
    expect((await call('/api/admin/users', { token: plain.token })).status).toBe(403);
  });

  it('is a 401 for nobody signed in', async () => {
    const { status, body } = await me();
    expect(status).toBe(401);
    expect(body.error).toBe('not signed in');
    expect((await me('not-a-session')).status).toBe(401);
  });

  it('follows requireAdmin for API keys: an admin key is admin, an ingest key is not', async () => {
    expect((await me((await createKey(admin, 'admin')).key)).body).toMatchObject({ id: admin.userId, isAdmin: true });
    expect((await me((await createKey(admin, 'ingest')).key)).body).toMatchObject({ id: admin.userId, isAdmin: false });
  });
});
