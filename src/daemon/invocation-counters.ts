/**
 * Replays over a network (issue 13): a telegram that reaches us twice, or is sent again by someone who recorded
 * it, carries an invocation counter that does not increase — DLMS requires it to grow with every telegram
 * ciphered under a key (it is half of the GCM IV). Per meter, system title and key, the highest counter seen is
 * kept; a telegram at or below it is counted as `replay.suspected` and not exported. Kept in
 * `<dataDir>/invocation-counters.json` (written atomically, at most every 5 s and on stop: after a crash a replay
 * of the last seconds' telegrams could pass once). Only for sources that cross a network where that can happen
 * (MQTT); a serial port or a capture replay is read as it comes. The key enters as a short hash (a new key
 * legitimately restarts the counter), never in the clear.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { openJsonMapFile } from '../store/json-map-file.js';

export const COUNTERS_FILE = 'invocation-counters.json';
const SAVE_EVERY_MS = 5000;

export interface ReplayGuard {
  /** True when the telegram is new (its counter grew); false for a suspected replay. */
  accept(meter: string, systemTitle: string, keyBytes: Uint8Array | undefined, counter: number): boolean;
  close(): void;
}

export function openReplayGuard(dataDir: string, log: Logger): ReplayGuard {
  const path = join(dataDir, COUNTERS_FILE);
  const file = openJsonMapFile(
    path,
    (v): v is number => typeof v === 'number',
    (why) =>
      log.warn(
        `cannot keep the invocation counters in ${path} (${why}): replays are still refused until a restart — check that data_dir is writable`,
      ),
  );
  const last = file.map;
  let dirty = false;
  const save = () => {
    if (!dirty) return;
    dirty = false;
    file.save();
  };
  const timer = setInterval(save, SAVE_EVERY_MS);
  timer.unref();
  const keyTag = (k: Uint8Array | undefined) =>
    k
      ? createHash('sha256').update('kaifareader invocation counter').update(k).digest('hex').slice(0, 12)
      : '-';
  return {
    accept(meter, title, key, counter) {
      const id = `${meter}/${title}/${keyTag(key)}`;
      const seen = last.get(id);
      if (seen !== undefined && counter <= seen) return false;
      last.set(id, counter);
      dirty = true;
      return true;
    },
    close() {
      clearInterval(timer);
      save();
    },
  };
}
