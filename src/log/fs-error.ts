/**
 * A failed file write → one sentence saying what happened and what to do. Shared by the log file and the Solarview
 * sink (both write files the user chose in meter.json).
 */
import { dirname } from 'node:path';
import { serviceUser } from './service-user.js';

/**
 * `what` names the file's role, e.g. "the Solarview file"; `key` names the config key to change; `user` the account
 * that needs access (default: the user running this process).
 */
export function describeFsError(
  err: unknown,
  file: string,
  what: string,
  key: string,
  user: string = serviceUser(),
): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const dir = dirname(file);
  const head = `cannot write ${what} ${file}`;
  switch (code) {
    case 'ENOENT':
      return `${head}: the directory ${dir} does not exist — create it (or set ${key} to a path in an existing directory)`;
    case 'ENOTDIR':
      return `${head}: a part of ${dir} is a file, not a directory — fix ${key}`;
    case 'EACCES':
    case 'EPERM':
      return `${head}: permission denied — the user ${user} needs write access to ${dir} (e.g. \`sudo chown ${user} ${dir}\`), or change ${key}`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `${head}: no space left on the device — free space on the file system holding ${dir}`;
    case 'EROFS':
      return `${head}: the file system is read-only — choose a writable location for ${key} (e.g. under /run or /var/lib)`;
    case 'EISDIR':
      return `${head}: it is a directory — ${key} must name a file`;
    default:
      return `${head}: ${(err as Error | undefined)?.message ?? String(err)}`;
  }
}
