/** Small helpers for the transport tests: a recording logger and polling with a deadline (never a timing assertion). */
import type { Logger } from '../../src/log/logger.js';
import type { SourceState } from '../../src/transport/types.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger & { lines: LogLine[] } = {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/** Polls `check` until it is truthy; fails with `what` after `timeoutMs` (a hang guard, not a speed check). */
export async function waitFor<T>(what: string, check: () => T, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects everything a source reports. */
export function collector(): {
  bytes: number[];
  states: SourceState[];
  onData: (chunk: Uint8Array) => void;
  onState: (s: SourceState) => void;
  text: () => string;
  errors: () => Array<Extract<SourceState, { state: 'error' }>>;
} {
  const bytes: number[] = [];
  const states: SourceState[] = [];
  return {
    bytes,
    states,
    onData: (chunk) => bytes.push(...chunk),
    onState: (s) => states.push(s),
    text: () => Buffer.from(bytes).toString('latin1'),
    errors: () => states.filter((s): s is Extract<SourceState, { state: 'error' }> => s.state === 'error'),
  };
}
