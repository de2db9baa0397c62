/**
 * The name of the user this process runs as, for hints that tell the user which account needs access
 * (`sudo usermod -aG dialout <user>`, `sudo chown <user> <dir>`). Under the Debian package that is `kaifareader`;
 * started by hand it is whoever started it.
 */
import { userInfo } from 'node:os';

export function serviceUser(): string {
  try {
    return userInfo().username;
  } catch {
    // a uid without a passwd entry (containers): userInfo() throws
    return process.env.USER || process.env.LOGNAME || `uid ${process.getuid?.() ?? '?'}`;
  }
}
