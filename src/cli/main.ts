/**
 * CLI composition: every sub-command lives in its own module that exports `register(program)`.
 * `kaifareader` without a command runs the daemon (`run`).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from './version.js';
import { register as registerRun } from './run-command.js';
import { register as registerDecode } from './decode-command.js';
import { register as registerCapture } from './capture-command.js';
import { register as registerConfig } from './config-command.js';
import { register as registerSimulate } from './simulate-command.js';
import { register as registerDemo } from './demo-command.js';

type Register = (program: Command) => void;

/** Sub-command modules, in help order (add one import and one entry per command). */
const COMMANDS: Register[] = [
  registerRun,
  registerDemo,
  registerDecode,
  registerConfig,
  registerCapture,
  registerSimulate,
];

export { packageVersion };

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kaifareader')
    .description(
      'Reads DLMS/COSEM push telegrams from a smart meter (Kaifa MA309 and others) and hands the readings on.',
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
