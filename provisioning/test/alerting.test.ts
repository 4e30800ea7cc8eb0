/**
 * On-call wiring: which integrations the contact point gets, what they are told, and that no
 * secret is ever written into a provisioning file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONTACT_POINT, contactPointsFile, NOTIFICATION_TEMPLATE, ON_CALL_ENV, policiesFile, receivers, TEMPLATE_NAME, templatesFile } from '../src/alerting.ts';
import { ROOT } from '../src/generate.ts';

const SECRETS = {
  [ON_CALL_ENV.slack]: 'https://hooks.slack.test/services/T000/B000/very-secret',
  [ON_CALL_ENV.pagerduty]: 'pd-routing-key-very-secret',
  [ON_CALL_ENV.email]: 'oncall@example.com;ops@example.com',
};

describe('the on-call contact point', () => {
  it('has only the log receiver when no integration is set', () => {
    expect(receivers({}).map((r) => r.type)).toEqual(['webhook']);
    // An empty variable is as good as unset: Grafana would expand it to "" and refuse to start.
    expect(receivers({ [ON_CALL_ENV.slack]: '' }).map((r) => r.type)).toEqual(['webhook']);
  });

  it('adds Slack, PagerDuty and email when their variables are set, naming the variables', () => {
    const all = receivers(SECRETS);
    expect(all.map((r) => r.type)).toEqual(['webhook', 'slack', 'pagerduty', 'email']);
    expect(all.find((r) => r.type === 'slack')!.settings.url).toBe(`\${${ON_CALL_ENV.slack}}`);
    expect(all.find((r) => r.type === 'pagerduty')!.settings.integrationKey).toBe(`\${${ON_CALL_ENV.pagerduty}}`);
    expect(all.find((r) => r.type === 'email')!.settings.addresses).toBe(`\${${ON_CALL_ENV.email}}`);
    expect(new Set(all.map((r) => r.uid)).size).toBe(all.length);
  });

  it('never writes a secret into the file', () => {
    const text = JSON.stringify(contactPointsFile(SECRETS));
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
  });

  it('tells every integration the same story, from the one template', () => {
    const defined = [...NOTIFICATION_TEMPLATE.matchAll(/\{\{ define "([^"]+)" \}\}/g)].map((m) => m[1]);
    expect(defined).toEqual(['usage-lens.title', 'usage-lens.message']);
    for (const r of receivers(SECRETS)) {
      const used = [...JSON.stringify(r.settings).matchAll(/\{\{ template \\"([^\\]+)\\" \. \}\}/g)].map((m) => m[1]).sort();
      expect(used, r.type).toEqual(['usage-lens.message', 'usage-lens.title']);
    }
    expect(templatesFile().templates).toEqual([{ orgId: 1, name: TEMPLATE_NAME, template: NOTIFICATION_TEMPLATE }]);
  });

  /**
   * Grafana expands $VAR in every string of a contact point's settings, but not in templates
   * (pkg/services/provisioning/alerting/contact_point_types.go: settings are a values.JSONValue;
   * text_templates_types.go: name and template are plain strings). So the settings must hold no
   * `$` but the variables themselves, and the template may use `$`.
   */
  it('keeps $ out of settings except for the variables it names', () => {
    for (const r of receivers(SECRETS)) {
      const dollars = JSON.stringify(r.settings).replace(/\$\{[A-Z_]+\}/g, '');
      expect(dollars, r.type).not.toContain('$');
    }
    expect(NOTIFICATION_TEMPLATE).toContain('$.ExternalURL');
  });

  it('is where the policy routes, grouped per user', () => {
    expect(policiesFile().policies[0]).toMatchObject({ receiver: CONTACT_POINT, group_by: ['grafana_folder', 'alertname', 'user'] });
    const committed = parse(readFileSync(path.join(ROOT, 'alerting', 'contact-points.yaml'), 'utf8')) as { contactPoints: { name: string }[] };
    expect(committed.contactPoints.map((c) => c.name)).toEqual([CONTACT_POINT]);
  });
});
