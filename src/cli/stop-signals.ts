/**
 * SIGINT/SIGTERM for the foreground commands (run, demo, capture, simulate). The handler stays installed until
 * the command has finished stopping: a second Ctrl-C (or a terminal that delivers SIGINT to the process group
 * twice) while the sinks flush must not fall through to Node's default action, which kills the process with
 * status 130 and loses the flush. Repeats call `onSignal` again; it must be idempotent.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Installs `onSignal` for SIGINT and SIGTERM; the returned function removes it. */
export function onStopSignals(onSignal: (signal: StopSignal) => void): () => void {
  const int = () => onSignal('SIGINT');
  const term = () => onSignal('SIGTERM');
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  return () => {
    process.off('SIGINT', int);
    process.off('SIGTERM', term);
  };
}
