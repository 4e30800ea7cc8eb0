/**
 * What dashboards and alert rules are built from: data source identities and thresholds. Change a
 * threshold here (or with its environment variable) and run `npm run generate -w provisioning`.
 */
import { AE_PRICING } from '@usage-lens/contract';

export const PLUGIN_ID = 'usagelens-analytics-datasource';

/** UIDs fixed in provisioning/datasources/usage-lens.yaml. */
export const DATASOURCES = {
  worker: { type: PLUGIN_ID, uid: 'usage-lens' },
  sql: { type: PLUGIN_ID, uid: 'usage-lens-sql' },
} as const;

/**
 * The one folder dashboards and alert rules share, named by title in both provisioning files.
 * Grafana's alert rule provisioner can only find a folder by title (it creates a missing one with
 * a random uid), so the dashboard provider must look it up by the same title and set no folderUid:
 * see provisioning/dashboards/provider.yaml.
 */
export const FOLDER_TITLE = 'Usage Lens';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

export const THRESHOLDS = {
  /** A user making more calls than this in an hour fires one alert for that user. */
  userEventsPerHour: numberFromEnv('USAGE_LENS_USER_EVENTS_PER_HOUR', 500),
  /** Share of AE's free tier (100,000 writes a day) above which daily writes alert. */
  freeTierShare: numberFromEnv('USAGE_LENS_FREE_TIER_SHARE', 0.8),
  /** A user whose calls fail (status >= 400) more often than this in an hour… */
  userErrorRatio: numberFromEnv('USAGE_LENS_USER_ERROR_RATIO', 0.2),
  /** …with at least this many calls, so one failed call of two is not an alert. */
  userErrorMinEvents: numberFromEnv('USAGE_LENS_USER_ERROR_MIN_EVENTS', 20),
};

export const FREE_TIER_WRITES_PER_DAY = AE_PRICING.freeWritesPerDay;
