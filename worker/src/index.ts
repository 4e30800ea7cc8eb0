/**
 * The Usage Lens app worker: better-auth accounts, the five tracked entry points (sync, sync auth,
 * auth/me, chat, ingest) and the admin usage API.
 */
import { Hono } from 'hono';
import type { AppEnv } from './env.ts';
import { handleAuth } from './auth/auth.ts';
import { onError } from './errors.ts';
import { handleGetMe } from './routes/auth-me.ts';
import { sync } from './routes/sync.ts';
import { chat } from './routes/chat.ts';
import { ingest } from './routes/ingest.ts';
import { admin } from './routes/admin.ts';
import { usage } from './routes/usage.ts';

export { SyncRoom } from './durable-objects/sync-room.ts';
export { ChatRoom } from './durable-objects/chat-room.ts';

export const app = new Hono<AppEnv>();

app.get('/health', (c) => c.json({ ok: true }));
// Registered before better-auth's catch-all so /api/auth/me is ours.
app.get('/api/auth/me', handleGetMe);
app.on(['GET', 'POST'], '/api/auth/*', handleAuth);
app.route('/api', sync);
app.route('/api', chat);
app.route('/api', ingest);
app.route('/api/admin/usage', usage);
app.route('/api/admin', admin);

app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
app.onError(onError);

export default app;
