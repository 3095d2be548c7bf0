import { describeRange, SettingDef, SETTINGS } from './config.schema';

/** The README's configuration table, generated from the schema the loader validates against. */
export function configTableMarkdown(settings: readonly SettingDef[] = SETTINGS): string {
  const rows = settings.map((s) => {
    const env = s.env ? `\`${s.env}\`` : '—';
    const def = s.default === null ? '*(unset)*' : `\`${formatDefault(s.default)}\``;
    return `| \`${s.key}\` | ${env} | ${def} | ${describeRange(s)} | ${s.description} |`;
  });
  return [
    '| TOML key | Env var | Default | Allowed | Meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function formatDefault(value: SettingDef['default']): string {
  if (Array.isArray(value)) return value.join(',');
  return value === null ? '' : String(value);
}
