/**
 * The one description of every EmitHub setting: its TOML key, its env var, its type, default and
 * allowed range. The loader validates against it, `--show-env-vars` and `--generate-config` print
 * it, and the README's configuration table is generated from it, so the three cannot drift.
 */

export type SettingType = 'string' | 'int' | 'bool' | 'list' | 'enum';

export interface SettingDef {
  /** Dotted TOML path: `port`, `websocket.ping_interval`. */
  readonly key: string;
  /** Environment variable, when the setting has one. */
  readonly env?: string;
  readonly type: SettingType;
  readonly default: string | number | boolean | readonly string[] | null;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly description: string;
  /** Secrets are never printed back. */
  readonly secret?: boolean;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MIB = 1024 * 1024;
const INT32_MAX = 2_147_483_647;

export const SETTINGS: readonly SettingDef[] = [
  {
    key: 'host',
    env: 'EMIT_HUB_HOST',
    type: 'string',
    default: '127.0.0.1',
    description: 'Address to listen on; 0.0.0.0 for every interface.',
  },
  {
    key: 'port',
    env: 'EMIT_HUB_PORT',
    type: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'TCP port for HTTP and WebSocket (0 picks a free port).',
  },
  {
    key: 'log_level',
    env: 'EMIT_HUB_LOG_LEVEL',
    type: 'enum',
    values: LOG_LEVELS,
    default: 'info',
    description: 'Minimum level of the JSON log lines.',
  },
  {
    key: 'db_path',
    env: 'EMIT_HUB_DB_PATH',
    type: 'string',
    default: 'emit_hub.db',
    description: 'SQLite database file (created if missing).',
  },
  {
    key: 'database_url',
    env: 'EMIT_HUB_DATABASE_URL',
    type: 'string',
    default: null,
    secret: true,
    description:
      'A `postgres://user:pass@host:5432/db` URL to use PostgreSQL instead of the SQLite file (same schema, same behaviour; db_path is then unused).',
  },
  {
    key: 'api_key',
    env: 'EMIT_HUB_API_KEY',
    type: 'string',
    default: null,
    secret: true,
    description:
      'When set, every management call needs `Authorization: Bearer <key>`; health, readiness, `/` and `/docs` stay open.',
  },
  {
    key: 'max_connections_per_channel',
    env: 'EMIT_HUB_MAX_CONNECTIONS',
    type: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    description: 'Default max_connections for new channels.',
  },
  {
    key: 'rate_limit_per_minute_default',
    env: 'EMIT_HUB_RATE_LIMIT_PER_MINUTE',
    type: 'int',
    default: 60,
    min: 0,
    max: 1_000_000,
    description: 'Default rate_limit_per_minute for new channels (0: unlimited).',
  },
  {
    key: 'message_size_limit',
    env: 'EMIT_HUB_MESSAGE_SIZE_LIMIT',
    type: 'int',
    default: MIB,
    min: 1024,
    max: 64 * MIB,
    description: 'Max bytes of a REST body and of an inbound WebSocket message.',
  },

  {
    key: 'cors.allowed_origins',
    env: 'EMIT_HUB_CORS_ORIGINS',
    type: 'list',
    default: ['http://localhost', 'http://127.0.0.1'],
    description:
      'Allowed browser origins (comma-separated in the env var); "*" allows any. A localhost entry without a port allows every port.',
  },
  {
    key: 'cors.allowed_methods',
    type: 'list',
    default: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    description: 'Methods announced to browsers in CORS preflights.',
  },
  {
    key: 'cors.allowed_headers',
    type: 'list',
    default: ['Content-Type', 'Authorization', 'Accept'],
    description: 'Request headers allowed in CORS preflights.',
  },
  {
    key: 'cors.max_age',
    type: 'int',
    default: 3600,
    min: 0,
    max: 86400,
    description: 'Seconds a browser may cache a preflight answer.',
  },

  {
    key: 'websocket.connection_timeout',
    env: 'EMIT_HUB_WS_TIMEOUT',
    type: 'int',
    default: 30,
    min: 1,
    max: 3600,
    description: 'Seconds without a pong (or any frame) after which a socket is dropped.',
  },
  {
    key: 'websocket.ping_interval',
    env: 'EMIT_HUB_WS_PING_INTERVAL',
    type: 'int',
    default: 30,
    min: 1,
    max: 3600,
    description: 'Seconds between pings to each socket.',
  },
  {
    key: 'websocket.pong_timeout',
    type: 'int',
    default: 15,
    min: 1,
    max: 3600,
    description:
      'Seconds after each ping round at which silent sockets are checked again, so a dead one goes within connection_timeout + pong_timeout.',
  },
  {
    key: 'websocket.max_continuation_size',
    type: 'int',
    default: 2 * MIB,
    min: 1024,
    max: 64 * MIB,
    description:
      'Max bytes of one fragmented inbound message (the smaller of this and message_size_limit applies).',
  },
  {
    key: 'websocket.max_buffered_bytes',
    env: 'EMIT_HUB_WS_MAX_BUFFERED',
    type: 'int',
    default: MIB,
    min: 16 * 1024,
    max: 256 * MIB,
    description: 'Bytes queued for one slow client before it is closed with 1013.',
  },

  {
    key: 'persistence.persist_messages_default',
    env: 'EMIT_HUB_PERSIST_MESSAGES',
    type: 'bool',
    default: false,
    description: 'Default persist_messages for new channels.',
  },
  {
    key: 'persistence.max_messages_per_channel',
    type: 'int',
    default: 10000,
    min: 1,
    max: INT32_MAX,
    description: 'Stored messages kept per channel; older ones are pruned.',
  },
  {
    key: 'persistence.message_retention_days',
    env: 'EMIT_HUB_MESSAGE_RETENTION_DAYS',
    type: 'int',
    default: 30,
    min: 1,
    max: 36500,
    description: 'Days a stored message is kept.',
  },
  {
    key: 'persistence.auto_backup',
    env: 'EMIT_HUB_AUTO_BACKUP',
    type: 'bool',
    default: false,
    description: 'Take a consistent copy of the database every backup_interval_hours.',
  },
  {
    key: 'persistence.backup_interval_hours',
    type: 'int',
    default: 24,
    min: 1,
    max: 8760,
    description: 'Hours between automatic backups.',
  },
  {
    key: 'persistence.backup_keep',
    type: 'int',
    default: 7,
    min: 1,
    max: 1000,
    description: 'Backups kept; older ones are deleted.',
  },
];

/** The configuration as the code reads it: the TOML layout, snake_case keys. */
export interface HubConfig {
  host: string;
  port: number;
  log_level: LogLevel;
  db_path: string;
  database_url: string | null;
  api_key: string | null;
  max_connections_per_channel: number;
  rate_limit_per_minute_default: number;
  message_size_limit: number;
  cors: {
    allowed_origins: string[];
    allowed_methods: string[];
    allowed_headers: string[];
    max_age: number;
  };
  websocket: {
    connection_timeout: number;
    ping_interval: number;
    pong_timeout: number;
    max_continuation_size: number;
    max_buffered_bytes: number;
  };
  persistence: {
    persist_messages_default: boolean;
    max_messages_per_channel: number;
    message_retention_days: number;
    auto_backup: boolean;
    backup_interval_hours: number;
    backup_keep: number;
  };
}

/** What a setting accepts, in words: for error messages and the docs. */
export function describeRange(def: SettingDef): string {
  switch (def.type) {
    case 'int':
      return `an integer from ${def.min} to ${def.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${def.values!.join(', ')}`;
    case 'list':
      return 'a list of strings (comma-separated in an env var)';
    default:
      return 'a non-empty string';
  }
}
