/**
 * Issue 10, item 9: an address in ADMIN_EMAILS makes an admin only once it is verified, so nobody
 * can claim it by signing up first. Verification is better-auth's own (GET /api/auth/verify-email
 * with a token signed by BETTER_AUTH_SECRET, node_modules/better-auth/dist/api/routes/
 * email-verification.mjs); the link here is minted the way better-auth mints it.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getAuth } from '../src/auth/auth.ts';
import { call, createKey, ORIGIN, PASSWORD, signUp, uniqueEmail, verifyEmail } from './helpers.ts';

interface Me {
  user: { role: string; isAdmin: boolean };
}
const me = async (token: string) => ((await (await call('/api/auth/me', { token })).json()) as Me).user;

describe('ADMIN_EMAILS', () => {
  it('an unverified sign-up with a listed address is not an admin', async () => {
    const claimant = await signUp('Claimant', 'root@example.com');
    expect(await me(claimant.token)).toMatchObject({ role: 'user', isAdmin: false });
    expect((await call('/api/admin/users', { token: claimant.token })).status).toBe(403);
    const mint = await call('/api/admin/api-keys', { token: claimant.token, method: 'POST', body: { name: 'k', scope: 'admin' } });
    expect(mint.status).toBe(403);
    // better-auth's own admin endpoints check the role: refused too.
    const listUsers = await call('/api/auth/admin/list-users', { token: claimant.token, headers: { origin: ORIGIN } });
    expect(listUsers.status).toBe(403);

    // Once the address is verified, the same account is an admin, with the role better-auth's
    // admin plugin checks for its own endpoints.
    await verifyEmail(claimant);
    expect(await me(claimant.token)).toMatchObject({ role: 'admin', isAdmin: true });
    expect((await call('/api/admin/users', { token: claimant.token })).status).toBe(200);
    expect((await call('/api/auth/admin/list-users', { token: claimant.token, headers: { origin: ORIGIN } })).status).toBe(200);
    await createKey(claimant, 'admin');
  });

  it('a verified address that is not listed gains nothing', async () => {
    const someone = await signUp('Verified Nobody');
    await verifyEmail(someone);
    expect(await me(someone.token)).toMatchObject({ role: 'user', isAdmin: false });
  });

  it('the users list says who is verified, and only verified listed addresses are admins', async () => {
    const admin = await signUp('Listed Admin', 'admin@example.com');
    await verifyEmail(admin);
    const other = await signUp('Unverified Other');
    const res = await call('/api/admin/users', { token: admin.token });
    const { users } = (await res.json()) as { users: { id: string; emailVerified: boolean; isAdmin: boolean }[] };
    expect(users.find((u) => u.id === admin.userId)).toMatchObject({ emailVerified: true, isAdmin: true });
    expect(users.find((u) => u.id === other.userId)).toMatchObject({ emailVerified: false, isAdmin: false });
  });
});

describe('verification mail', () => {
  /**
   * With an Email Service binding (production), sign-up mails better-auth's link. Cloudflare's
   * mail service cannot run here, so the binding is the one stand-in: it keeps the message it is
   * given, in the shape of send() (https://developers.cloudflare.com/email-service/api/send-emails/
   * workers-api/). The link in it is then opened against the real worker.
   */
  it('goes out through the EMAIL binding on sign-up, and its link verifies the address', async () => {
    const sent: EmailMessageBuilder[] = [];
    const mail = { send: async (message: EmailMessageBuilder) => (sent.push(message), { messageId: `<${sent.length}@test>` }) } as unknown as SendEmail;
    const auth = getAuth({ ...env, EMAIL: mail, MAIL_FROM: 'noreply@usage-lens.example.com' });
    const email = uniqueEmail('mailed');
    const res = await auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ name: 'Mailed User', email, password: PASSWORD }),
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: 'noreply@usage-lens.example.com', to: email });
    const link = /(https?:\/\/\S+\/api\/auth\/verify-email\?token=\S+)/.exec(String(sent[0].text))![1];
    expect(link.startsWith(`${env.BETTER_AUTH_URL}/api/auth/verify-email?token=`)).toBe(true);

    const verified = await exports.default.fetch(new Request(link, { redirect: 'manual' }));
    expect(verified.status).toBeLessThan(400);
    const row = await env.DB.prepare('select emailVerified from user where email = ?').bind(email).first<{ emailVerified: number }>();
    expect(row!.emailVerified).toBe(1);
  });

  it('without a binding, better-auth says verification mail is not enabled', async () => {
    const res = await call('/api/auth/send-verification-email', { method: 'POST', body: { email: uniqueEmail('unmailed') }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(400);
  });
});

