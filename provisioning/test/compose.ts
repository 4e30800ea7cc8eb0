/** Reading docker-compose.yml as compose does: YAML, then ${VAR:-default} interpolation. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const COMPOSE_TEXT = readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8');

/** Every ${…} reference in the file: name, and whether it has a default. */
export function references(text: string): { name: string; hasDefault: boolean }[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-[^}]*)?\}/g)].map((m) => ({ name: m[1], hasDefault: m[2] !== undefined }));
}

/** Compose's interpolation: ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default} (unset). */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g, (_m, name: string, colon: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback === undefined) return value ?? '';
    const unset = value === undefined || (colon === ':' && value === '');
    return unset ? fallback : value;
  });
}

export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
}

export interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** Like compose: parse first, then interpolate string values (so "${N:-14}" stays a string). */
export function loadCompose(env: Record<string, string | undefined> = {}): Compose {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return interpolate(node, env);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(parse(COMPOSE_TEXT, { merge: true })) as Compose;
}
