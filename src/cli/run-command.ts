/**
 * `kaifareader [run] [--config PATH]`: the daemon in the foreground (systemd runs it like this).
 *
 * Config path: --config, else $KAIFAREADER_CONFIG, else /etc/kaifareader/meter.json.
 * Signals: SIGINT/SIGTERM finish the telegram in hand, flush the sinks, close the port, exit 0 within 2 s;
 * SIGHUP reopens the log file (logrotate) and re-reads the config: meters added, removed or changed apply at once.
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
import type { Logger } from '../log/logger.js';

export const EXIT_CONFIG = 78;
export const EXIT_UNAVAILABLE = 69;
export const EXIT_INTERNAL = 1;
/** SIGTERM budget: systemd's default stop timeout is far longer, but users expect a prompt stop. */
const STOP_BUDGET_MS = 1900;

interface RunOptions {
  config?: string;
}

/** Runs a started app until SIGINT/SIGTERM (`onHangup` on SIGHUP); resolves with the exit code. */
export async function runUntilSignal(
  app: App,
  onHangup: () => void,
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
    const onHup = () => onHangup();
    const offSignals = onStopSignals(stop);
    process.on('SIGHUP', onHup);
  });
}

/** What `run` re-reads on SIGHUP: the same file, validated the same way. */
export type ReloadConfig = () =>
  { ok: true; config: AppConfig; warnings: string[] } | { ok: false; message: string };

/**
 * Starts the daemon from a validated config (also used by `demo` with its own sources and `advise`, which turns
 * the config keys a start-up failure names into the demo's flags). With `reload`, SIGHUP re-reads the config:
 * meters added, removed or changed apply at once; a broken file keeps the running configuration and says why.
 */
export async function runApp(
  config: AppConfig,
  warnings: string[],
  sources?: ReadonlyMap<string, ByteSource>,
  advise: (message: string) => string = (m) => m,
  reload?: ReloadConfig,
): Promise<number> {
  const logger = createLogger(config.logging);
  for (const w of warnings) logger.warn(w);
  // Imported here, not at the top: `kaifareader decode` / `config check` do not load sinks, mqtt or SQLite.
  const { createApp } = await import('../daemon/app.js');
  const app = await createApp({ config, logger, version: packageVersion(), sources });
  logger.info(`kaifareader ${packageVersion()} reading ${describeMeters(app.daemon.status.get().meters)}`);
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
    () => {
      logger.reopen();
      if (reload) void reloadConfig(app, reload, logger);
    },
    () => logger.close(),
    (signal) => logger.info(`${signal}: stopping`),
  );
}

/** `/dev/ttyUSB0 2400 8N1` for one meter, `3 meters: home (/dev/ttyUSB0 2400 8N1), pv (tcp://…), …` for more. */
export function describeMeters(meters: readonly { meter: string; source: string }[]): string {
  if (meters.length === 1) return meters[0]!.source;
  return `${meters.length} meters: ${meters.map((m) => `${m.meter} (${m.source})`).join(', ')}`;
}

/** SIGHUP: re-read the config and apply its meters; say what changed, or why nothing did. */
async function reloadConfig(app: App, reload: ReloadConfig, logger: Logger): Promise<void> {
  const r = reload();
  if (!r.ok) {
    logger.error(`SIGHUP: configuration not reloaded, the running one stays: ${r.message}`);
    return;
  }
  for (const w of r.warnings) logger.warn(w);
  try {
    const done = await app.reconfigure(r.config);
    const parts = (['added', 'removed', 'changed'] as const)
      .filter((k) => done[k].length > 0)
      .map((k) => `${k} ${done[k].join(', ')}`);
    logger.info(
      `SIGHUP: configuration reloaded${parts.length ? `: meters ${parts.join('; ')}` : ', no meter changed'}`,
    );
    if (done.needsRestart.length > 0)
      logger.warn(
        `SIGHUP: changes to ${done.needsRestart.join(', ')} take effect after a restart (systemctl restart kaifareader)`,
      );
  } catch (e) {
    logger.error(
      `SIGHUP: applying the reloaded configuration failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
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
  const reload: ReloadConfig = () => {
    const again = loadConfig(path, { knownProfiles: PROFILES.map((p) => p.id) });
    if (again.ok) return { ok: true, config: again.config, warnings: again.warnings };
    return { ok: false, message: `${again.path}: ${again.errors.map((e) => formatIssue(e)).join('; ')}` };
  };
  return runApp(r.config, r.warnings, undefined, undefined, reload);
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
