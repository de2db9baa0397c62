/**
 * Moving a meter from single-component discovery (one retained `<prefix>/sensor/kaifareader_<id>/<key>/config`
 * per entity, kaifareader before device discovery) to ONE device config, the way Home Assistant documents it
 * (MQTT integration, "Migration from single component to device-based discovery"), so every entity keeps its
 * entity id, settings and history (pure: messages in, messages out):
 *
 *   1. `{"migrate_discovery": true}` (retained) on every old topic: Home Assistant unloads those entities but
 *      keeps them in its entity registry;
 *   2. the device config (`<prefix>/device/kaifareader_<id>/config`) with the SAME `unique_id`s: the entities
 *      load again under their old entity ids;
 *   3. an empty retained payload on every old topic: the broker forgets them; Home Assistant ignores the
 *      removal of a migrated entity.
 *
 * Home Assistant matches an old entity to its component in the device config by discovery id: the old topic's
 * `<node id> <object id>` (`kaifareader_<id> <key>`) equals the device topic's object id plus the component id
 * under `cmps` (`kaifareader_<id>` + `<key>`, discovery.ts), and the `unique_id` is the same.
 *
 * Which old topics exist is asked of the broker (the sink subscribes to `<prefix>/sensor/kaifareader_<id>/+/config`
 * once per meter and run and collects the retained configs), not remembered in a file: the broker is what Home
 * Assistant reads, it also holds keys the meter no longer sends, and a fresh install, a new data dir or a wiped
 * broker then do the right thing by themselves — nothing found, straight to the device config. After step 3
 * nothing is found any more, so the migration runs once per meter. A topic that already says
 * `migrate_discovery` (a run that stopped between steps 1 and 3) is only cleared.
 */
import type { OutgoingMessage } from './types.js';

/** Step 1's payload, exactly as Home Assistant's documentation spells it (key and JSON `true`). */
export const MIGRATE_PAYLOAD = '{"migrate_discovery": true}';

/** Whether a retained payload is a migration marker (any spacing; the abbreviation `migr_discvry` too). */
export function isMigratePayload(payload: string): boolean {
  try {
    const v = JSON.parse(payload) as Record<string, unknown>;
    return v !== null && typeof v === 'object' && (v.migrate_discovery === true || v.migr_discvry === true);
  } catch {
    return false;
  }
}

/**
 * The messages to send, in order, for a meter whose old topics were found with these retained payloads
 * (topic → payload; empty payloads are topics already cleared). Nothing old: just the device config.
 */
export function migrationSequence(
  found: ReadonlyMap<string, string>,
  device: OutgoingMessage,
): OutgoingMessage[] {
  const old = [...found].filter(([, payload]) => payload.length > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  const migrate = old
    .filter(([, payload]) => !isMigratePayload(payload))
    .map(([topic]) => ({ topic, payload: MIGRATE_PAYLOAD, retain: true }));
  const clear = old.map(([topic]) => ({ topic, payload: '', retain: true }));
  return [...migrate, device, ...clear];
}
