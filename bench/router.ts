// The bench's front door: /<variant>/… goes to that variant of the app, all in one workerd process,
// so the variants share the machine the same way and differ only in what they were configured with.
interface Env {
  [variant: string]: Fetcher;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const [, variant, ...rest] = url.pathname.split('/');
    const target = env[variant.toUpperCase()];
    if (!target) return new Response(`no variant ${variant}`, { status: 404 });
    url.pathname = `/${rest.join('/')}`;
    return target.fetch(new Request(url, request));
  },
} satisfies ExportedHandler<Env>;
