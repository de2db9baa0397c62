/**
 * A small string-keyed map kept in a JSON file in data_dir (the MQTT sink's meter ids, the replay guard's
 * invocation counters): read once at start — a missing or unreadable file is an empty map —, saved atomically
 * (temp file + rename, so a crash never leaves half a file) when the owner asks. A failed save is reported once
 * through `onSaveError` and the map goes on in memory.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface JsonMapFile<V> {
  readonly map: Map<string, V>;
  save(): void;
}

export function openJsonMapFile<V>(
  path: string,
  isValue: (v: unknown) => v is V,
  onSaveError: (message: string) => void,
): JsonMapFile<V> {
  const map = new Map<string, V>();
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(json)) if (isValue(v)) map.set(k, v);
  } catch {
    // first start, or an unreadable file: start empty
  }
  let warned = false;
  return {
    map,
    save() {
      try {
        const tmp = `${path}.tmp-${process.pid}`;
        writeFileSync(tmp, JSON.stringify(Object.fromEntries(map)) + '\n');
        renameSync(tmp, path);
      } catch (e) {
        if (!warned) onSaveError(e instanceof Error ? e.message : String(e));
        warned = true;
      }
    },
  };
}
