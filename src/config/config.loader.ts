import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describeRange, HubConfig, SETTINGS, SettingDef } from './config.schema';

export const DEFAULT_CONFIG_FILE = 'emit_hub.toml';

export interface ConfigSources {
  /** Environment to read `EMIT_HUB_*` from. */
  env: NodeJS.ProcessEnv;
  /** Command-line arguments after the program name (for `--config PATH`). */
  argv?: readonly string[];
  /** Folder where `./emit_hub.toml` is looked for. */
  cwd?: string;
}

export interface LoadedConfig {
  config: HubConfig;
  /** The TOML file that was read, if any. */
  file: string | null;
}

/** Start-up stops on this; its message names every bad key and what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `--config PATH`, else `EMIT_HUB_CONFIG`, else `./emit_hub.toml` when it exists. */
export function resolveConfigFile(sources: ConfigSources): string | null {
  const argv = sources.argv ?? [];
  const cwd = sources.cwd ?? process.cwd();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' && argv[i + 1]) return resolve(cwd, argv[i + 1]);
    if (arg.startsWith('--config=')) return resolve(cwd, arg.slice('--config='.length));
  }
  if (sources.env.EMIT_HUB_CONFIG) return resolve(cwd, sources.env.EMIT_HUB_CONFIG);
  const local = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : null;
}

/** Merges defaults < TOML file < env vars and validates the result as a whole. */
export function loadConfig(sources: ConfigSources): LoadedConfig {
  const file = resolveConfigFile(sources);
  const problems: string[] = [];
  let toml: Record<string, unknown> = {};
  if (file) {
    try {
      toml = parseToml(readFileSync(file, 'utf8'));
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new ConfigError([`config file ${file}: ${reason}`]);
    }
    problems.push(...unknownKeys(toml).map((k) => `${k} (in ${file}): unknown key`));
  }

  const config: Record<string, unknown> = {};
  for (const def of SETTINGS) {
    let value: unknown = def.default;
    let origin = 'default';
    const fromFile = getPath(toml, def.key);
    if (fromFile !== undefined) {
      value = fromFile;
      origin = `${def.key} in ${file}`;
    }
    const fromEnv = def.env ? sources.env[def.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      value = fromEnv;
      origin = def.env!;
    }
    const checked = coerce(def, value);
    if ('error' in checked)
      problems.push(`${origin === 'default' ? def.key : origin}: ${checked.error}`);
    else setPath(config, def.key, checked.value);
  }
  if (problems.length) throw new ConfigError(problems);
  return { config: config as unknown as HubConfig, file };
}

type Coerced = { value: unknown } | { error: string };

function coerce(def: SettingDef, raw: unknown): Coerced {
  // A secret is never echoed, not even a malformed one.
  const got = def.secret ? 'a value' : JSON.stringify(raw);
  const bad = (): Coerced => ({ error: `got ${got}, expected ${describeRange(def)}` });
  switch (def.type) {
    case 'int': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n === 'bigint') return bad();
      if (typeof n !== 'number' || !Number.isInteger(n) || n < def.min! || n > def.max!)
        return bad();
      return { value: n };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw.trim())) return { value: true };
      if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw.trim()))
        return { value: false };
      return bad();
    }
    case 'enum': {
      const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
      return typeof v === 'string' && def.values!.includes(v) ? { value: v } : bad();
    }
    case 'list': {
      const list = typeof raw === 'string' ? raw.split(',') : raw;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return bad();
      const items = list.map((x) => x.trim()).filter((x) => x.length > 0);
      return { value: items };
    }
    default:
      if (raw === null && def.default === null) return { value: null };
      return typeof raw === 'string' && raw.trim().length > 0 ? { value: raw.trim() } : bad();
  }
}

function unknownKeys(toml: Record<string, unknown>, prefix = ''): string[] {
  const known = new Set(SETTINGS.map((s) => s.key));
  const tables = new Set(
    SETTINGS.filter((s) => s.key.includes('.')).map((s) => s.key.split('.')[0]),
  );
  const out: string[] = [];
  for (const [k, v] of Object.entries(toml)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!prefix && tables.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      out.push(...unknownKeys(v as Record<string, unknown>, k));
    } else if (!known.has(path)) {
      out.push(path);
    }
  }
  return out;
}

/** The value at a dotted TOML path (`websocket.ping_interval`) of a nested object. */
export function getPath(obj: object, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets the value at a dotted TOML path, creating the tables on the way. */
export function setPath(obj: object, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}
