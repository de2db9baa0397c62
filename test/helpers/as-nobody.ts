/**
 * Running a child as `nobody` (for permission tests). Launch it from `readableInstall()` (readable-install.ts):
 * the checkout may sit in a directory that user may not enter.
 */
import { spawnSync } from 'node:child_process';

/** Whether this process may run a child as `nobody` (root with setpriv). */
export const canDropToNobody =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'true']).status === 0;

/** argv prefix that runs a command as nobody:nogroup without supplementary groups. */
export const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
