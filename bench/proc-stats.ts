/**
 * What the process benches read of a process and their figures, in one place (bench/daemon.ts, meters.ts,
 * fleet.ts, floor.ts): CPU time from /proc/<pid>/stat, peak RSS from /proc/<pid>/status, rounding and percentiles.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One clock tick of /proc/<pid>/stat in ms (getconf CLK_TCK, 10 ms when it cannot say). */
export const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();

/** User and system CPU time of `pid` in ms: fields 14 and 15 of /proc/<pid>/stat (after the command's ")"). */
export function cpuTimesMs(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) * TICK_MS, sys: Number(f[12]) * TICK_MS };
}

/** Peak resident set size in MB from the text of a /proc/<pid>/status (`what` names it in the error). */
export function vmHwmMb(status: string, what: string): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmHWM in ${what}`);
  return Number(m[1]) / 1024;
}

/** Peak resident set size in MB of process `pid` (VmHWM of /proc/<pid>/status). */
export function peakRssMb(pid: number | 'self'): number {
  return vmHwmMb(readFileSync(`/proc/${pid}/status`, 'utf8'), `/proc/${pid}/status`);
}
