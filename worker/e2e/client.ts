/** A small HTTP + WebSocket client for the running worker, as an app or a script would use it. */
export class AppClient {
  readonly base: string;
  token: string | null = null;
  userId = '';

  constructor(base: string) {
    this.base = base;
  }

  async request(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { origin: this.base };
    const token = init.token === undefined ? this.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  }

  async signUp(name: string, email: string, password: string): Promise<this> {
    const res = await this.request('/api/auth/sign-up/email', { method: 'POST', body: { name, email, password }, token: null });
    if (!res.ok) throw new Error(`sign-up failed ${res.status}: ${await res.text()}`);
    this.token = res.headers.get('set-auth-token');
    this.userId = ((await res.json()) as { user: { id: string } }).user.id;
    return this;
  }

  /** Opens a WebSocket, sends one message, waits for one answer, closes. Returns the answer. */
  async roundTrip(path: string, message: string): Promise<string> {
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}${path}`, {
      // Node's WebSocket (undici) takes headers, as native app clients can.
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    } as unknown as string[]);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`WebSocket ${path} failed to open`));
    });
    const answer = new Promise<string>((resolve) => (ws.onmessage = (e) => resolve(String(e.data))));
    ws.send(message);
    const text = await answer;
    ws.close();
    return text;
  }
}

/** Points reach the local AE after the response; poll the usage API until `expected` events show. */
export async function waitForEvents(read: () => Promise<number>, expected: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = await read();
  while (seen < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await read();
  }
  return seen;
}
