/**
 * Where `decode` takes its keys from, so they need not appear on the command line (visible in `ps` and the shell
 * history): `--key HEX`, else `--key-file PATH` (the hex in a file, surrounding whitespace trimmed), else the
 * environment `KAIFAREADER_KEY`; the same for the authentication key (`--auth-key`, `--auth-key-file`,
 * `KAIFAREADER_AUTH_KEY`). Every failure is a DecodeError `input.key` that names the source, never the key.
 */
import { readFileSync } from 'node:fs';
import { DecodeError } from '../errors.js';
import { parseKey } from '../util/hex.js';

export interface KeyOptions {
  key?: string;
  keyFile?: string;
  authKey?: string;
  authKeyFile?: string;
}

function readKeyFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied (run as a user who may read it, e.g. with sudo)'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (code ?? String(e));
    throw new DecodeError('input.key', `cannot read ${option} ${path}: ${why}`, 'input');
  }
}

/** One key from its three sources; undefined when none is given. */
function oneKey(
  what: string,
  text: string | undefined,
  file: string | undefined,
  option: string,
  envName: string,
  env: Record<string, string | undefined>,
): Uint8Array | undefined {
  if (text !== undefined && file !== undefined)
    throw new DecodeError(
      'input.key',
      `give the ${what} either on the command line or with ${option}, not both`,
      'input',
    );
  const [hex, from] =
    text !== undefined
      ? [text, 'the command line']
      : file !== undefined
        ? [readKeyFile(file, option), file]
        : [env[envName] || undefined, `$${envName}`];
  if (hex === undefined) return undefined;
  try {
    return parseKey(hex, what);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    throw new DecodeError(e.code, `${e.message} (from ${from})`, 'input');
  }
}

export function decodeKeys(opts: KeyOptions, env: Record<string, string | undefined> = process.env) {
  return {
    encryptionKey: oneKey('key', opts.key, opts.keyFile, '--key-file', 'KAIFAREADER_KEY', env),
    authenticationKey: oneKey(
      'authentication key',
      opts.authKey,
      opts.authKeyFile,
      '--auth-key-file',
      'KAIFAREADER_AUTH_KEY',
      env,
    ),
  };
}
