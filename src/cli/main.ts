/**
 * CLI composition: every sub-command lives in its own module that exports `register(program)`.
 * `kaifareader` without a command runs the daemon (`run`).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from './version.js';
import { register as registerRun } from './run-command.js';

type Register = (program: Command) => void;

/**
 * Sub-command modules, in help order (add one entry per command). Imported on demand: the daemon (`run`, the
 * default) then loads none of the others (the simulator, decode's explain tree, …: ~2 MB resident, measured).
 */
const COMMANDS: Array<() => Promise<Register>> = [
  async () => registerRun,
  async () => (await import('./demo-command.js')).register,
  async () => (await import('./decode-command.js')).register,
  async () => (await import('./config-command.js')).register,
  async () => (await import('./capture-command.js')).register,
  async () => (await import('./bridge-command.js')).register,
  async () => (await import('./simulate-command.js')).register,
];

/** `kaifareader [run] [options]` without help or version: only `run` needs to be registered. */
function isPlainRun(argv: string[]): boolean {
  const first = argv[0];
  if (first !== undefined && first !== 'run' && !first.startsWith('-')) return false;
  return !argv.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version' || a === 'help');
}

export { packageVersion };

/** sysexits.h EX_USAGE: the command was used incorrectly (unknown command or option, bad or missing value). */
export const EX_USAGE = 64;

/** Commander's outcomes that are no error: --help, --version. */
const NOT_AN_ERROR = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * The default command `run` takes no arguments, so Commander would answer a mistyped command with "too many
 * arguments for 'run'": a first word that is no command (and no option) is reported as an unknown command.
 */
function unknownCommand(program: Command, argv: string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (first === 'help' || names.includes(first)) return undefined;
  const common = (n: string) => [...n].findIndex((ch, i) => ch !== first[i]) >>> 0; // shared prefix length
  const best = Math.max(...names.map((n) => Math.min(common(n), n.length)));
  const close = best >= 2 ? names.filter((n) => Math.min(common(n), n.length) === best) : [];
  const hint = close.length ? ` (did you mean ${close.join(' or ')}?)` : '';
  return `error: unknown command '${first}'${hint}; the commands are ${names.join(', ')} (kaifareader --help)\n`;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kaifareader')
    .description(
      'Reads DLMS/COSEM push telegrams from a smart meter (Kaifa MA309 and others) and hands the readings on.',
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride();
  for (const load of isPlainRun(argv) ? COMMANDS.slice(0, 1) : COMMANDS) (await load())(program);
  const unknown = unknownCommand(program, argv);
  if (unknown) {
    process.stderr.write(unknown);
    return EX_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    // Commander has printed its message ("error: required option '--port <path>' not specified", …).
    if (e instanceof CommanderError) return NOT_AN_ERROR.has(e.code) ? e.exitCode : EX_USAGE;
    throw e;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
