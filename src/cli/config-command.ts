/**
 * `kaifareader config check [--config PATH]`: validates meter.json (old Python keys or new nested keys) and prints
 * "config OK", the meters (id, name, source, profile, exports; keys only as present/absent), the effective configuration in the file's own keys (snake_case, so it can be copied back; keys and
 * passwords redacted) and the warnings; on errors prints
 * every problem as `path: message` and exits 78 (EX_CONFIG).
 *
 * `kaifareader config schema [--json]`: every key with its default and description, from the schema table.
 */
import type { Command } from 'commander';
import { formatIssue, resolveConfigPath } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { configToFile } from '../config/to-file.js';
import type { FieldSpec } from '../config/schema.js';
import type { AppConfig, MeterConfig, SourceConfig } from '../config/types.js';
import { CONFIG_SCHEMA, loadConfig } from '../daemon/config-schema.js';
import { describeMqtt } from '../transport/mqtt-payload.js';
import { SINK_NAMES } from '../sinks/registry.js';

/** sysexits.h EX_CONFIG: configuration error. */
export const EX_CONFIG = 78;

export function register(program: Command): void {
  const config = program.command('config').description('check meter.json or show its schema');
  config
    .command('check')
    .description('validate the configuration and print the effective settings (secrets redacted)')
    .option(
      '-c, --config <path>',
      'config file (default: $KAIFAREADER_CONFIG or /etc/kaifareader/meter.json)',
    )
    .action((opts: { config?: string }) => {
      process.exitCode = runCheck(
        opts.config,
        process.env,
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(s),
      );
    });
  config
    .command('schema')
    .description('list every key of meter.json with default and description')
    .option('--json', 'print the schema as JSON')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(
        opts.json ? JSON.stringify(CONFIG_SCHEMA, null, 2) + '\n' : formatSchemaTable(CONFIG_SCHEMA),
      );
    });
}

/** The check itself, with injected output (returns the exit code). */
export function runCheck(
  cliPath: string | undefined,
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const path = resolveConfigPath(cliPath, env);
  const r = loadConfig(path, { env });
  const warnings = r.warnings.map((w) => `warning: ${w}\n`).join('');
  if (!r.ok) {
    const n = r.errors.length;
    err(
      `${path}: ${n} problem${n === 1 ? '' : 's'} found\n${r.errors.map((i) => `  ${formatIssue(i)}\n`).join('')}${warnings}`,
    );
    return EX_CONFIG;
  }
  const how = r.legacy ? ' (old Python kaifareader keys, read as data)' : '';
  out(
    `config OK: ${path}${how}\n${formatMeters(r.config)}${JSON.stringify(configToFile(redactConfig(r.config)), null, 2)}\n`,
  );
  err(warnings);
  return 0;
}

export function formatSchemaTable(schema: readonly FieldSpec[]): string {
  const width = Math.max(...schema.map((f) => f.path.length));
  const rows = schema.map((f) => {
    const def = f.default === undefined ? '' : `  [default: ${JSON.stringify(f.default)}]`;
    const values = f.values ? `  (${f.values.join(' | ')})` : '';
    return `${f.path.padEnd(width)}  ${f.description}${values}${def}\n`;
  });
  return `meter.json keys (snake_case; old Python keys are accepted too):\n\n${rows.join('')}`;
}

export function describeSource(s: SourceConfig): string {
  if (s.type === 'serial')
    return `${s.port} ${s.baudRate} ${s.dataBits}${s.parity[0]!.toUpperCase()}${s.stopBits}`;
  if (s.type === 'tcp') return `tcp://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
  if (s.type === 'mqtt') return describeMqtt(s.url);
  return `replay ${s.file}`;
}

/** One line per meter; keys only as present/absent (never digits). */
export function formatMeters(c: AppConfig): string {
  const enabled = SINK_NAMES.filter((n) => c.exports[n] !== undefined);
  const line = (m: MeterConfig): string => {
    const exports = m.exports
      ? m.exports.join(', ') || 'none'
      : `all enabled (${enabled.join(', ') || 'none'})`;
    const has = (k: unknown) => (k === undefined ? 'absent' : 'present');
    return (
      `  ${m.id}${m.name ? ` "${m.name}"` : ''}: source ${describeSource(m.source)}; profile ${m.profile ?? 'detected'}; ` +
      `exports ${exports}; key ${has(m.key)}, auth_key ${has(m.authKey)}\n`
    );
  };
  return `meters (${c.meters.length}):\n${c.meters.map(line).join('')}`;
}
