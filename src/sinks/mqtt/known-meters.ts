/**
 * Which topic id (the meter number) each configured meter published under, kept in `<dataDir>/mqtt-meters.json`
 * across restarts. Without it a meter that stays unplugged after a restart has no known number, so its Home
 * Assistant diagnosis entity would keep the retained `ok` of the last run instead of showing `port-error`.
 * Written atomically (temp file + rename) only when a mapping changes — a new meter, a replaced meter —
 * never per telegram; a failed write is logged once and the sink goes on from memory.
 */
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { openJsonMapFile } from '../../store/json-map-file.js';

export const KNOWN_METERS_FILE = 'mqtt-meters.json';

export interface KnownMeters {
  get(meter: string): string | undefined;
  set(meter: string, topicId: string): void;
  delete(meter: string): void;
  entries(): IterableIterator<[string, string]>;
}

export function openKnownMeters(dataDir: string, log: Logger): KnownMeters {
  const path = join(dataDir, KNOWN_METERS_FILE);
  const file = openJsonMapFile(
    path,
    (v): v is string => typeof v === 'string',
    (why) =>
      log.warn(
        `cannot keep the meters' MQTT ids in ${path} (${why}): after a restart a silent meter's diagnosis shows only once it sends again — check that data_dir is writable`,
      ),
  );
  const { map, save } = file;
  return {
    get: (m) => map.get(m),
    set(m, id) {
      if (map.get(m) === id) return;
      map.set(m, id);
      save();
    },
    delete(m) {
      if (map.delete(m)) save();
    },
    entries: () => map.entries(),
  };
}
