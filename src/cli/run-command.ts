/**
 * `kaifareader [run] [--config PATH]`: the daemon in the foreground (systemd runs it like this).
 *
 * Config path: --config, else $KAIFAREADER_CONFIG, else /etc/kaifareader/meter.json.
 * Signals: SIGINT/SIGTERM finish the telegram in hand, flush the sinks, close the port, exit 0 within 2 s;
 * SIGHUP reopens the log file (logrotate).
 * Exit codes: 0 stopped by a signal · 1 internal error · 69 a configured service cannot start, e.g. the dashboard
 * port is taken (EX_UNAVAILABLE) · 78 bad configuration (EX_CONFIG).
 * Port problems never end the daemon: it logs once and retries until the adapter is back.
 */
import type { Command } from 'commander';
import { resolveConfigPath, formatIssue } from '../config/load.js';
import { loadConfig } from '../daemon/config-schema.js';
import { createLogger } from '../log/create-logger.js';
import type { App } from '../daemon/app.js';
import { PROFILES } from '../profiles/meters.js';
import { packageVersion } from './version.js';
import { onStopSignals } from './stop-signals.js';
import type { AppConfig } from '../config/types.js';
import type { ByteSource } from '../transport/types.js';

export const EXIT_CONFIG = 78;
export const EXIT_UNAVAILABLE = 69;
export const EXIT_INTERNAL = 1;
/** SIGTERM budget: systemd's default stop timeout is far longer, but users expect a prompt stop. */
const STOP_BUDGET_MS = 1900;

interface RunOptions {
  config?: string;
}

/** Runs a started app until SIGINT/SIGTERM; resolves with the exit code. */
export async function runUntilSignal(
  app: App,
  reopenLog: () => void,
  closeLog: () => Promise<void>,
  onStop: (signal: string) => void = () => undefined,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return; // a repeated signal while flushing: keep stopping, do not die
      stopping = true;
      onStop(signal);
      const force = setTimeout(() => resolve(0), STOP_BUDGET_MS);
      force.unref();
      app
        .stop()
        .catch(() => undefined)
        .then(() => closeLog())
        .finally(() => {
          clearTimeout(force);
          process.off('SIGHUP', onHup);
          offSignals();
          resolve(0);
        });
    };
    const onHup = () => reopenLog();
    const offSignals = onStopSignals(stop);
    process.on('SIGHUP', onHup);
  });
}

/**
 * Starts the daemon from a validated config (also used by `demo` with its own source and `advise`, which turns
 * the config keys a start-up failure names into the demo's flags).
 */
export async function runApp(
  config: AppConfig,
  warnings: string[],
  source?: ByteSource,
  advise: (message: string) => string = (m) => m,
): Promise<number> {
  const logger = createLogger(config.logging);
  for (const w of warnings) logger.warn(w);
  // Imported here, not at the top: `kaifareader decode` / `config check` do not load sinks, mqtt or SQLite.
  const { createApp } = await import('../daemon/app.js');
  const app = await createApp({ config, logger, version: packageVersion(), source });
  logger.info(`kaifareader ${packageVersion()} reading ${source?.describe() ?? describeSource(config)}`);
  try {
    await app.start();
  } catch (e) {
    // e.g. "http: 127.0.0.1:8080 is already in use: stop the other program or change http.port"
    logger.error(`cannot start: ${advise(e instanceof Error ? e.message : String(e))}`);
    await app.stop().catch(() => undefined);
    await logger.close();
    return EXIT_UNAVAILABLE;
  }
  return runUntilSignal(
    app,
    () => logger.reopen(),
    () => logger.close(),
    (signal) => logger.info(`${signal}: stopping`),
  );
}

function describeSource(config: AppConfig): string {
  return config.meters.map((m) => describeOne(m.source)).join(', ');
}

function describeOne(s: AppConfig['meters'][number]['source']): string {
  if (s.type === 'serial')
    return `${s.port} ${s.baudRate} ${s.dataBits}${s.parity[0]!.toUpperCase()}${s.stopBits}`;
  if (s.type === 'tcp') return `tcp://${s.host}:${s.port}`;
  return `replay ${s.file}`;
}

async function run(opts: RunOptions): Promise<number> {
  const path = resolveConfigPath(opts.config);
  const r = loadConfig(path, { knownProfiles: PROFILES.map((p) => p.id) });
  if (!r.ok) {
    process.stderr.write(
      `kaifareader: invalid configuration in ${r.path}:\n${r.errors.map((e) => `  ${formatIssue(e)}`).join('\n')}\n`,
    );
    process.stderr.write(
      'Check it with `kaifareader config check`; every key is described by `kaifareader config schema`.\n',
    );
    return EXIT_CONFIG;
  }
  return runApp(r.config, r.warnings);
}

export function register(program: Command): void {
  const action = async (opts: RunOptions) => {
    process.exitCode = await run(opts);
  };
  program
    .command('run', { isDefault: true })
    .description('read the meter and hand every reading on (the daemon; default command)')
    .option('-c, --config <path>', 'config file (default $KAIFAREADER_CONFIG or /etc/kaifareader/meter.json)')
    .action(action);
}
