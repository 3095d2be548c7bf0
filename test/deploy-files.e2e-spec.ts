/**
 * Static checks of the container and Kubernetes files. No Docker engine or cluster is needed:
 * the files are parsed and cross-checked against each other and against the config schema, so a
 * renamed probe path, a port mismatch or an unknown TOML key fails here instead of in a cluster.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { SETTINGS } from '../src/config/config.schema';

const ROOT = join(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');
const APP_NAME = 'emit-hub';
const DATA_DIR = '/app/data';
const LIVENESS_PATH = '/api/v1/health';
/** Longest drain after SIGTERM the service promises. */
const DRAIN_SECONDS = 10;

// Parsed YAML is untyped; the tests below assert the shapes they rely on.
type Obj = Record<string, any>;

const read = (...parts: string[]): string => readFileSync(join(ROOT, ...parts), 'utf8');

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Compose/Docker durations: "15s", "1m30s", "500ms". */
function durationSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  if (matched !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

/** Compose `environment` as a map, from either its list or its map form. */
function envMap(environment: unknown): Record<string, string | undefined> {
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry: string) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((environment ?? {}) as Obj))
    out[k] = v == null ? undefined : String(v);
  return out;
}

/** Every leaf of a TOML document as a dotted key (arrays are values, not tables). */
function tomlLeaves(table: Obj, prefix = ''): [string, unknown][] {
  return Object.entries(table).flatMap(([k, v]): [string, unknown][] => {
    const key = prefix ? `${prefix}.${k}` : k;
    return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? tomlLeaves(v as Obj, key)
      : [[key, v]];
  });
}

interface DockerInstruction {
  line: number;
  op: string;
  args: string;
}

/** Dockerfile instructions with comments removed and `\` continuations joined. */
function dockerInstructions(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buffer && (line === '' || line.startsWith('#'))) return;
    if (buffer && line.startsWith('#')) return;
    if (!buffer) start = i + 1;
    if (line.endsWith('\\')) {
      buffer += line.slice(0, -1) + ' ';
      return;
    }
    buffer += line;
    const m = /^(\S+)\s*(.*)$/s.exec(buffer)!;
    out.push({ line: start, op: m[1].toUpperCase(), args: m[2].trim() });
    buffer = '';
  });
  return out;
}

/** Splits instruction args into `--flag=value` options and the rest. */
function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (
    let m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest);
    m;
    m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)
  ) {
    flags[m[1]] = m[2] ?? '';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** Exec (JSON array) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or null for shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : null;
}

/** Does a simple glob (`*` and `?` only) match a name? */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(name);
}

/** Files/folders of the build context a COPY source names (globs expanded one level deep). */
function contextMatches(source: string): string[] {
  const clean = posix.normalize(source.replace(/^\.\//, '')).replace(/\/$/, '');
  if (!/[*?]/.test(clean)) return existsSync(join(ROOT, clean)) ? [clean] : [];
  const dir = posix.dirname(clean);
  const base = posix.basename(clean);
  const folder = join(ROOT, dir);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => globMatches(base, name))
    .map((name) => (dir === '.' ? name : `${dir}/${name}`));
}

function k8sDocuments(): { file: string; doc: Obj }[] {
  const files = readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'))
      .map((d) => ({ file, doc: d.toJS() as Obj | null }))
      .filter((d): d is { file: string; doc: Obj } => d.doc != null),
  );
}

function onlyOfKind(kind: string): Obj {
  const found = k8sDocuments().filter(
    (d) => d.doc.kind === kind && d.file !== 'kustomization.yaml',
  );
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind} in deploy/k8s, found ${found.length}`);
  }
  return found[0].doc;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore
// ---------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const instructions = dockerInstructions(read('Dockerfile'));
  const froms = instructions.filter((i) => i.op === 'FROM');
  const lastFromIndex = instructions.lastIndexOf(froms[froms.length - 1]);
  const runtime = instructions.slice(lastFromIndex);
  const argDefaults = Object.fromEntries(
    instructions
      .filter((i) => i.op === 'ARG' && i.args.includes('='))
      .map((i) => [i.args.slice(0, i.args.indexOf('=')), i.args.slice(i.args.indexOf('=') + 1)]),
  );
  const resolveArgs = (s: string) =>
    s.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => argDefaults[name] ?? whole);

  it('is a multi-stage build (at least two FROM stages)', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
  });

  it('uses node:20-bookworm-slim for every stage', () => {
    for (const from of froms) {
      const image = resolveArgs(splitFlags(from.args).rest.split(/\s+/)[0]);
      expect(`FROM (line ${from.line}) ${image}`).toBe(
        `FROM (line ${from.line}) node:20-bookworm-slim`,
      );
    }
  });

  it('installs with npm ci, builds, and drops dev dependencies before the runtime stage', () => {
    const runs = instructions
      .slice(0, lastFromIndex)
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnest build\b|\bnpm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
  });

  it('runs the runtime stage as a non-root USER', () => {
    const users = runtime.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('sets EMIT_HUB_HOST=0.0.0.0 and keeps the database under the /app/data VOLUME', () => {
    const env = runtime
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bEMIT_HUB_HOST=0\.0\.0\.0\b/);
    expect(env).toMatch(new RegExp(`\\bEMIT_HUB_DB_PATH=${DATA_DIR}/`));
    const volumes = runtime.filter((i) => i.op === 'VOLUME').map((i) => i.args);
    expect(volumes.join(' ')).toContain(DATA_DIR);
  });

  it('EXPOSEs port 8080', () => {
    const exposed = runtime.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed.map((p) => p.split('/')[0])).toContain('8080');
  });

  it(`has a HEALTHCHECK that requests ${LIVENESS_PATH} without curl`, () => {
    const checks = runtime.filter((i) => i.op === 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { rest } = splitFlags(checks[0].args);
    expect(rest.startsWith('CMD')).toBe(true);
    expect(rest).toContain(LIVENESS_PATH);
    // The slim base image ships neither curl nor wget.
    expect(rest).not.toMatch(/\b(curl|wget)\b/);
  });

  it('ends with an exec-form CMD running node dist/main.js (so SIGTERM reaches node)', () => {
    const cmds = runtime.filter((i) => i.op === 'CMD');
    expect(cmds.length).toBeGreaterThan(0);
    const cmd = execForm(cmds[cmds.length - 1].args);
    expect(cmd).toEqual(['node', 'dist/main.js']);
    expect(runtime.some((i) => i.op === 'ENTRYPOINT')).toBe(false);
  });

  it('stops with SIGTERM, the signal that starts the graceful drain', () => {
    const stop = instructions.filter((i) => i.op === 'STOPSIGNAL').map((i) => i.args);
    expect(stop.every((s) => s === 'SIGTERM' || s === '15')).toBe(true);
  });

  it('only COPYs files from the build context that exist in the repository', () => {
    const copies = instructions.filter(
      (i) => (i.op === 'COPY' || i.op === 'ADD') && !/--from=/.test(i.args),
    );
    expect(copies.length).toBeGreaterThan(0);
    const sources = copies.flatMap((i) => {
      const { rest } = splitFlags(i.args);
      const parts = execForm(rest) ?? rest.split(/\s+/);
      return parts.slice(0, -1);
    });
    const missing = sources.filter((s) => contextMatches(s).length === 0);
    expect(missing).toEqual([]);
    // The build needs at least these; a rename in the repo must be mirrored in the Dockerfile.
    const copied = sources.flatMap(contextMatches);
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'nest-cli.json',
      'src',
    ]) {
      expect(copied).toContain(needed);
    }
  });

  it('has no COPY source excluded by .dockerignore', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const copied = instructions
      .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
      .flatMap((i) => splitFlags(i.args).rest.split(/\s+/).slice(0, -1))
      .flatMap(contextMatches);
    const clashes = copied.filter((file) =>
      ignored.some((pattern) => globMatches(pattern.replace(/^\//, ''), file)),
    );
    expect(clashes).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it.each(['node_modules', 'dist', 'data', '.git', 'coverage', 'bench/results'])(
    'keeps %s out of the build context',
    (entry) => {
      expect(
        patterns.some((p) => globMatches(p.replace(/^\//, '').replace(/\/$/, ''), entry)),
      ).toBe(true);
    },
  );

  it.each(['emit_hub.db', 'emit_hub.db-wal', 'emit_hub.db-shm'])(
    'keeps SQLite file %s out of the image',
    (file) => {
      expect(patterns.some((p) => globMatches(p, file))).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as Obj;
  const service = (compose?.services ?? {})[APP_NAME] as Obj;
  const env = envMap(service?.environment);

  it(`parses and defines the ${APP_NAME} service, built from this repository`, () => {
    expect(service).toBeDefined();
    expect(service.build).toBeDefined();
  });

  it('publishes container port 8080', () => {
    const ports = ((service.ports ?? []) as unknown[]).map((p) =>
      typeof p === 'object' && p !== null
        ? String((p as Obj).target)
        : String(p).split(':').pop()!.split('/')[0],
    );
    expect(ports).toContain('8080');
  });

  it(`mounts a volume on ${DATA_DIR} and keeps the database there`, () => {
    const targets = ((service.volumes ?? []) as unknown[]).map((v) =>
      typeof v === 'object' && v !== null ? (v as Obj).target : String(v).split(':')[1],
    );
    expect(targets).toContain(DATA_DIR);
    expect(env.EMIT_HUB_DB_PATH?.startsWith(`${DATA_DIR}/`)).toBe(true);
  });

  it('listens on all interfaces (EMIT_HUB_HOST=0.0.0.0) on port 8080', () => {
    expect(env.EMIT_HUB_HOST).toBe('0.0.0.0');
    expect(env.EMIT_HUB_PORT ?? '8080').toBe('8080');
  });

  it(`has a healthcheck hitting ${LIVENESS_PATH} that works without curl`, () => {
    const test: unknown = service.healthcheck?.test;
    const command = Array.isArray(test) ? test.join(' ') : String(test);
    expect(command).toContain(LIVENESS_PATH);
    expect(command).not.toMatch(/\b(curl|wget)\b/);
  });

  it(`waits longer than the ${DRAIN_SECONDS} s drain before killing the container`, () => {
    expect(durationSeconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(DRAIN_SECONDS);
    expect(service.stop_signal ?? 'SIGTERM').toBe('SIGTERM');
  });

  it('restarts unless stopped', () => {
    expect(service.restart).toBe('unless-stopped');
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests
// ---------------------------------------------------------------------------------------------

describe('deploy/k8s manifests', () => {
  const yamlFiles = readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f));

  it.each(yamlFiles)('%s parses as YAML without errors', (file) => {
    const docs = parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'));
    const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
    expect(errors).toEqual([]);
    expect(docs.length).toBeGreaterThan(0);
  });

  it('every object has apiVersion, kind, metadata.name and the app.kubernetes.io/name label', () => {
    const problems = k8sDocuments()
      .filter(({ doc }) => doc.kind !== 'Kustomization')
      .flatMap(({ file, doc }) => {
        const out: string[] = [];
        if (!doc.apiVersion || !doc.kind || !doc.metadata?.name)
          out.push(`${file}: missing apiVersion/kind/name`);
        if (doc.metadata?.labels?.['app.kubernetes.io/name'] !== APP_NAME) {
          out.push(`${file} ${doc.kind}: label app.kubernetes.io/name is not ${APP_NAME}`);
        }
        return out;
      });
    expect(problems).toEqual([]);
  });

  it('kustomization.yaml lists every manifest, and only existing ones', () => {
    const kustomization = parseYaml(
      readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8'),
    ) as Obj;
    const listed = [...(kustomization.resources as string[])].sort();
    const manifests = yamlFiles.filter((f) => f !== 'kustomization.yaml').sort();
    expect(listed).toEqual(manifests);
  });
});

describe('Kubernetes Deployment', () => {
  const deployment = onlyOfKind('Deployment');
  const service = onlyOfKind('Service');
  const configMap = onlyOfKind('ConfigMap');
  const pvc = onlyOfKind('PersistentVolumeClaim');
  const pod = deployment.spec.template.spec as Obj;
  const containers = pod.containers as Obj[];
  const container = containers[0];
  const mounts = (container.volumeMounts ?? []) as Obj[];
  const volumes = (pod.volumes ?? []) as Obj[];
  const env = (container.env ?? []) as Obj[];

  /** Resolves a named or numeric port of the container to its number. */
  const containerPort = (port: unknown): number | undefined => {
    const ports = (container.ports ?? []) as Obj[];
    const match = ports.find((p) => p.name === port || p.containerPort === port);
    return match?.containerPort as number | undefined;
  };
  const servicePort = service.spec.ports[0] as Obj;
  const targetPort = containerPort(servicePort.targetPort ?? servicePort.port);

  it('runs a single container', () => {
    expect(containers).toHaveLength(1);
  });

  it('runs one replica with the Recreate strategy (SQLite is single-writer, the volume RWO)', () => {
    expect(deployment.spec.replicas ?? 1).toBe(1);
    expect(deployment.spec.strategy?.type).toBe('Recreate');
  });

  it('selects its own pods, and the Service selects the same pods', () => {
    const podLabels = deployment.spec.template.metadata.labels as Obj;
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels as Obj);
    expect(podLabels).toMatchObject(service.spec.selector as Obj);
  });

  it('the Service targets container port 8080 named http', () => {
    expect(targetPort).toBe(8080);
    expect(containerPort('http')).toBe(8080);
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('liveness probe is GET /health on the port the Service targets', () => {
    const probe = container.livenessProbe?.httpGet as Obj;
    expect(probe?.path).toBe('/health');
    expect(containerPort(probe?.port)).toBe(targetPort);
  });

  it('readiness probe is GET /ready on the port the Service targets', () => {
    const probe = container.readinessProbe?.httpGet as Obj;
    expect(probe?.path).toBe('/ready');
    expect(containerPort(probe?.port)).toBe(targetPort);
  });

  it('startup probe, when present, uses the liveness endpoint on the same port', () => {
    const probe = container.startupProbe?.httpGet as Obj | undefined;
    if (!probe) return;
    expect(['/health', LIVENESS_PATH]).toContain(probe.path);
    expect(containerPort(probe.port)).toBe(targetPort);
  });

  it(`terminationGracePeriodSeconds covers the ${DRAIN_SECONDS} s drain`, () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(DRAIN_SECONDS);
  });

  it('disables service links (the emit-hub Service would inject EMIT_HUB_PORT=tcp://…)', () => {
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('EMIT_HUB_CONFIG points at a ConfigMap key inside the ConfigMap mount path', () => {
    const configPath = env.find((e) => e.name === 'EMIT_HUB_CONFIG')?.value as string | undefined;
    expect(configPath).toBeDefined();
    const mount = mounts.find(
      (m) =>
        configPath!.startsWith(`${(m.mountPath as string).replace(/\/$/, '')}/`) ||
        m.mountPath === configPath,
    );
    expect(mount).toBeDefined();
    const volume = volumes.find((v) => v.name === mount!.name);
    expect(volume?.configMap?.name).toBe(configMap.metadata.name);
    // subPath mounts a single key at mountPath; otherwise the file name is the key (or an item path).
    const fileInVolume = mount!.subPath ?? posix.relative(mount!.mountPath, configPath!);
    const items = (volume!.configMap.items ?? []) as Obj[];
    const key = items.length ? items.find((i) => i.path === fileInVolume)?.key : fileInVolume;
    expect(Object.keys(configMap.data ?? {})).toContain(key);
  });

  it(`mounts the PersistentVolumeClaim writable at ${DATA_DIR}`, () => {
    const volume = volumes.find((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    expect(volume).toBeDefined();
    const mount = mounts.find((m) => m.name === volume!.name);
    expect(mount?.mountPath).toBe(DATA_DIR);
    expect(mount?.readOnly ?? false).toBe(false);
  });

  it('runs as non-root (uid 1000) with fsGroup so the data volume is writable', () => {
    const podSec = (pod.securityContext ?? {}) as Obj;
    const ctrSec = (container.securityContext ?? {}) as Obj;
    expect(ctrSec.runAsNonRoot ?? podSec.runAsNonRoot).toBe(true);
    expect(ctrSec.runAsUser ?? podSec.runAsUser).toBe(1000);
    expect(podSec.fsGroup).toBe(1000);
  });

  it('has a read-only root filesystem, with only mounted volumes writable', () => {
    const ctrSec = (container.securityContext ?? {}) as Obj;
    expect(ctrSec.readOnlyRootFilesystem).toBe(true);
    expect(ctrSec.allowPrivilegeEscalation).toBe(false);
  });

  it('sets resource requests and limits', () => {
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('reads the optional API key from Secret emit-hub/api-key without requiring the Secret', () => {
    const apiKey = env.find((e) => e.name === 'EMIT_HUB_API_KEY');
    if (!apiKey) return;
    expect(apiKey.value).toBeUndefined();
    expect(apiKey.valueFrom?.secretKeyRef).toEqual({
      name: 'emit-hub',
      key: 'api-key',
      optional: true,
    });
  });

  it('sets no EMIT_HUB_* env var that is not a known setting', () => {
    const known = new Set([
      ...SETTINGS.map((s) => s.env).filter(Boolean),
      'EMIT_HUB_CONFIG',
      'EMIT_HUB_API_KEY',
    ]);
    const unknown = env
      .map((e) => e.name as string)
      .filter((n) => n.startsWith('EMIT_HUB_') && !known.has(n));
    expect(unknown).toEqual([]);
  });
});

describe('Kubernetes PersistentVolumeClaim and Service', () => {
  it('the PVC is ReadWriteOnce and requests storage', () => {
    const pvc = onlyOfKind('PersistentVolumeClaim');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec.resources?.requests?.storage).toBe('1Gi');
  });

  it('the Service is ClusterIP on port 80', () => {
    const service = onlyOfKind('Service');
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect((service.spec.ports as Obj[]).map((p) => p.port as number)).toContain(80);
  });
});

describe('ConfigMap emit_hub.toml', () => {
  const configMap = onlyOfKind('ConfigMap');
  const deployment = onlyOfKind('Deployment');
  const configPath = (deployment.spec.template.spec.containers[0].env as Obj[]).find(
    (e) => e.name === 'EMIT_HUB_CONFIG',
  )?.value as string;
  const text = (configMap.data ?? {})[basename(configPath)] as string;
  const toml = parseToml(text);
  const leaves = tomlLeaves(toml);
  const settings = new Map(SETTINGS.map((s) => [s.key, s]));

  it('parses as TOML', () => {
    expect(typeof text).toBe('string');
    expect(leaves.length).toBeGreaterThan(0);
  });

  it('uses only keys defined in src/config/config.schema.ts (unknown keys stop start-up)', () => {
    const unknown = leaves.map(([k]) => k).filter((k) => !settings.has(k));
    expect(unknown).toEqual([]);
  });

  it('gives every key a value of the type and range the schema accepts', () => {
    const problems = leaves.flatMap(([key, value]) => {
      const def = settings.get(key);
      if (!def) return [];
      const bad = [`${key} = ${JSON.stringify(value)} is not a valid ${def.type}`];
      switch (def.type) {
        case 'int':
          return typeof value === 'number' &&
            Number.isInteger(value) &&
            (def.min === undefined || value >= def.min) &&
            (def.max === undefined || value <= def.max)
            ? []
            : bad;
        case 'bool':
          return typeof value === 'boolean' ? [] : bad;
        case 'enum':
          return typeof value === 'string' && (def.values ?? []).includes(value) ? [] : bad;
        case 'list':
          return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [] : bad;
        default:
          return typeof value === 'string' && value.trim() !== '' ? [] : bad;
      }
    });
    expect(problems).toEqual([]);
  });

  it('listens on 0.0.0.0 at the container port and keeps the database on the data volume', () => {
    const ports = deployment.spec.template.spec.containers[0].ports as Obj[];
    expect(toml.host).toBe('0.0.0.0');
    expect(ports.map((p) => p.containerPort as number)).toContain(toml.port ?? 8080);
    expect(typeof toml.db_path).toBe('string');
    expect(dirname(toml.db_path as string)).toBe(DATA_DIR);
  });
});
