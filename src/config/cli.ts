import { readFileSync } from 'node:fs';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { SERVICE_NAME, VERSION } from '../version';
import { formatDefault } from './config-docs';
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  getPath,
  loadConfig,
  resolveConfigFile,
} from './config.loader';
import { describeRange, SettingDef, SETTINGS } from './config.schema';

/**
 * The command line of `emit-hub` (`node dist/main.js`): `--help`, `--version`, `--show-env-vars`
 * and `--generate-config` print and exit; `--config PATH` only selects the TOML file (the loader
 * reads it); anything else that looks like an option is refused.
 */

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type Action = 'help' | 'version' | 'show-env-vars' | 'generate-config';

const ACTIONS: Record<string, Action> = {
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
  '--show-env-vars': 'show-env-vars',
  '--generate-config': 'generate-config',
};

/** Output is wrapped to this width where the text allows it. */
const WIDTH = 96;

/**
 * Handles the command line. Returns null when there is nothing to do but start the service;
 * otherwise what to print and the exit code. Pure: reads only its arguments (and the TOML file
 * the arguments point at).
 */
export function runCli(argv: string[], env: NodeJS.ProcessEnv, cwd: string): CliResult | null {
  let action: Action | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config') {
      if (i + 1 >= argv.length || argv[i + 1] === '') {
        return usageError('--config needs a PATH: emit-hub --config ./emit_hub.toml');
      }
      i++; // the PATH
      continue;
    }
    if (arg.startsWith('--config=')) {
      if (arg === '--config=') {
        return usageError('--config needs a PATH: emit-hub --config=./emit_hub.toml');
      }
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(ACTIONS, arg)) {
      action ??= ACTIONS[arg];
      continue;
    }
    if (arg.startsWith('-')) return usageError(`unknown option ${arg}`);
    return usageError(`unexpected argument ${JSON.stringify(arg)} (EmitHub takes no arguments)`);
  }

  switch (action) {
    case null:
      return null;
    case 'help':
      return ok(helpText());
    case 'version':
      return ok(`${SERVICE_NAME} ${VERSION}\n`);
    case 'show-env-vars':
      return showEnvVars(argv, env, cwd);
    case 'generate-config':
      return ok(generateConfig());
  }
}

/**
 * Writes a result and exits with its code once both streams have taken the text (on a pipe,
 * `process.exit` right after `write` could cut the output short).
 */
export function exitWith(result: CliResult): void {
  let pending = 2;
  const write = (stream: NodeJS.WriteStream, text: string) => {
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      if (--pending === 0) process.exit(result.exitCode);
    };
    // A closed pipe (`emit-hub --show-env-vars | head -1`) is not worth a stack trace.
    stream.once('error', done);
    if (text) stream.write(text, done);
    else done();
  };
  write(process.stderr, result.stderr);
  write(process.stdout, result.stdout);
}

function ok(stdout: string): CliResult {
  return { exitCode: 0, stdout, stderr: '' };
}

function usageError(message: string): CliResult {
  return {
    exitCode: 2,
    stdout: '',
    stderr: `emit-hub: ${message}\nRun emit-hub --help for the options.\n`,
  };
}

export function helpText(): string {
  return `${SERVICE_NAME} ${VERSION}
EmitHub: self-hosted real-time broadcasting. Channels managed over a REST API; every broadcast
reaches all WebSocket clients of the channel at once.

Usage:
  emit-hub [--config PATH]     start the service
  emit-hub OPTION              print something and exit

Options:
  --config PATH, --config=PATH
                      read settings from this TOML file (else the file named by EMIT_HUB_CONFIG,
                      else ./${DEFAULT_CONFIG_FILE} when it exists)
  -h, --help          show this help and exit
  -v, --version       print the version and exit
  --show-env-vars     list every EMIT_HUB_* variable with its default, current value, allowed
                      values and meaning (and the settings only the TOML file has), then exit
  --generate-config   print a complete, commented ${DEFAULT_CONFIG_FILE} holding the defaults, then exit

Configuration: defaults < TOML file < EMIT_HUB_* environment variables. A bad value stops
start-up with a message naming the key and what it accepts (exit code 1).

Examples:
  emit-hub --show-env-vars
  emit-hub --generate-config > ${DEFAULT_CONFIG_FILE}
  EMIT_HUB_HOST=0.0.0.0 EMIT_HUB_PORT=3000 emit-hub --config ./${DEFAULT_CONFIG_FILE}

Docs: while EmitHub runs, the API reference is served at http://HOST:PORT/docs (Swagger UI) and
http://HOST:PORT/docs-json (OpenAPI); README.md covers configuration and operations.
`;
}

// --show-env-vars --------------------------------------------------------------------------------

type Origin = 'default' | 'file' | 'env';

interface RawValue {
  value: unknown;
  origin: Origin;
}

/** Defaults < file < env as given, before validation: shown when the configuration is invalid. */
function rawValues(env: NodeJS.ProcessEnv, file: string | null): Map<string, RawValue> {
  let toml: Record<string, unknown> = {};
  if (file) {
    try {
      toml = parseToml(readFileSync(file, 'utf8'));
    } catch {
      // loadConfig reports why.
    }
  }
  const values = new Map<string, RawValue>();
  for (const def of SETTINGS) {
    let entry: RawValue = { value: def.default, origin: 'default' };
    const fromFile = getPath(toml, def.key);
    if (fromFile !== undefined) entry = { value: fromFile, origin: 'file' };
    const fromEnv = def.env ? env[def.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') entry = { value: fromEnv, origin: 'env' };
    values.set(def.key, entry);
  }
  return values;
}

function showEnvVars(argv: string[], env: NodeJS.ProcessEnv, cwd: string): CliResult {
  const file = resolveConfigFile({ env, argv, cwd });
  const values = rawValues(env, file);
  let config: Record<string, unknown> | null = null;
  let error: ConfigError | null = null;
  try {
    config = loadConfig({ env, argv, cwd }).config as unknown as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    error = err;
  }

  const current = (def: SettingDef): string => {
    const raw = values.get(def.key)!;
    const value = config ? getPath(config, def.key) : raw.value;
    const shown = def.secret ? (isSet(value) ? '(set)' : '(unset)') : formatValue(value);
    const from =
      raw.origin === 'env'
        ? `from ${def.env}`
        : raw.origin === 'file'
          ? 'from the TOML file'
          : 'default';
    return `${shown}  (${from})`;
  };
  const block = (title: string, def: SettingDef, label: string): string[] => [
    `${title}  (${label})`,
    `  current   ${current(def)}`,
    `  default   ${def.default === null ? '(unset)' : formatValue(def.default)}`,
    `  allowed   ${describeRange(def)}`,
    ...wrap(def.description, WIDTH - 12).map(
      (line, i) => `  ${i ? '         ' : 'meaning  '} ${line}`,
    ),
    '',
  ];

  const configSource = argv.some((a) => a === '--config' || a.startsWith('--config='))
    ? 'from --config'
    : env.EMIT_HUB_CONFIG
      ? 'from EMIT_HUB_CONFIG'
      : `./${DEFAULT_CONFIG_FILE} found`;
  const out: string[] = [
    `EmitHub ${VERSION}: configuration from defaults < TOML file < environment variables.`,
    file
      ? `TOML file: ${file}  (${configSource})`
      : `TOML file: none  (no --config, no EMIT_HUB_CONFIG, no ./${DEFAULT_CONFIG_FILE})`,
    '',
    'Environment variables',
    '=====================',
    '',
    'EMIT_HUB_CONFIG  (no TOML key)',
    `  current   ${env.EMIT_HUB_CONFIG ? env.EMIT_HUB_CONFIG : '(unset)'}`,
    '  default   (unset)',
    '  allowed   a file path',
    `  meaning   TOML file to read when --config is not given (else ./${DEFAULT_CONFIG_FILE}).`,
    '',
  ];
  for (const def of SETTINGS) {
    if (def.env) out.push(...block(def.env, def, `TOML: ${def.key}`));
  }
  out.push('Settings only in the TOML file', '==============================', '');
  for (const def of SETTINGS) {
    if (!def.env) out.push(...block(def.key, def, 'no env var'));
  }

  if (!error) return ok(`${out.join('\n').trimEnd()}\n`);
  return {
    exitCode: 1,
    stdout: `${out.join('\n').trimEnd()}\n`,
    stderr: `${redactSecrets(error).message}\n\nEmitHub would not start with this configuration; the table on stdout shows the values as given.\n`,
  };
}

function isSet(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '(empty list)' : value.map((v) => String(v)).join(',');
  }
  if (value === null || value === undefined) return '(unset)';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'object') return JSON.stringify(value);
  return formatDefault(value as SettingDef['default']);
}

/** ConfigError quotes the bad value; for a secret setting it must not be printed back. */
function redactSecrets(error: ConfigError): ConfigError {
  const secrets = SETTINGS.filter((s) => s.secret);
  const problems = error.problems.map((problem) => {
    const about = secrets.some(
      (s) =>
        problem.startsWith(`${s.key}:`) ||
        problem.startsWith(`${s.key} in `) ||
        (s.env !== undefined && problem.startsWith(`${s.env}:`)),
    );
    return about
      ? problem.replace(/: got .*, expected /s, ': got a value it does not accept, expected ')
      : problem;
  });
  return new ConfigError(problems);
}

// --generate-config ------------------------------------------------------------------------------

/** A complete `emit_hub.toml` holding every default: loading it changes nothing. */
export function generateConfig(): string {
  const out: string[] = [
    `# EmitHub configuration file (TOML), generated by \`emit-hub --generate-config\` (${VERSION}).`,
    '#',
    '# Every setting EmitHub reads, set to its default: as it stands this file changes nothing.',
    '# Precedence: built-in defaults < this file < EMIT_HUB_* environment variables.',
    `# EmitHub reads ./${DEFAULT_CONFIG_FILE} from its working directory when present; to use another`,
    '# file, start it with `emit-hub --config PATH` or set EMIT_HUB_CONFIG=PATH.',
    '# Unknown keys and values out of range stop start-up with a message naming them.',
    '# `emit-hub --show-env-vars` lists the values in effect.',
  ];

  const tables: string[] = [];
  for (const def of SETTINGS) {
    const table = def.key.includes('.') ? def.key.split('.')[0] : '';
    if (table && !tables.includes(table)) tables.push(table);
  }
  const section = (table: string) =>
    SETTINGS.filter((d) => (table ? d.key.startsWith(`${table}.`) : !d.key.includes('.')));

  const entry = (def: SettingDef): string[] => {
    const name = def.key.split('.').pop()!;
    const lines = [''];
    lines.push(...wrap(def.description, WIDTH - 2).map((l) => `# ${l}`));
    lines.push(`# allowed: ${describeRange(def)}`);
    if (def.env) lines.push(`# env: ${def.env}`);
    if (def.default === null) lines.push(`# ${name} = ""`);
    else lines.push(stringifyToml({ [name]: def.default }).trimEnd());
    return lines;
  };

  for (const def of section('')) out.push(...entry(def));
  for (const table of tables) {
    out.push('', `[${table}]`);
    // The first entry of a table sits right under its header.
    section(table).forEach((def, i) => out.push(...entry(def).slice(i === 0 ? 1 : 0)));
  }
  return `${out.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
