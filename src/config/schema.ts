/**
 * The generic rows of meter.json that belong to no component (`interval`, `data_dir`, the `exports` section), and
 * the row types. Every component states its own rows in its options file; the one documented schema is their
 * assembly in src/daemon/config-schema.ts (what load/parse/walk and `kaifareader config schema` use). The old
 * Python tool's flat keys are translated onto the new paths by `legacy.ts` before validation.
 */
export type { FieldKind, FieldSpec, Schema } from './spec.js';
import type { FieldSpec } from './spec.js';

/** `interval`, `data_dir`. */
export const GENERIC_ROWS: readonly FieldSpec[] = [
  {
    path: 'interval',
    kind: 'number',
    min: 0,
    max: 3600,
    description:
      'Old key: serial read timeout of the Python tool. Accepted and ignored: telegrams are read as they arrive.',
  },
  {
    path: 'data_dir',
    kind: 'path',
    default: '/var/lib/kaifareader',
    description: 'Directory for state (history database, MQTT outbox).',
  },
];

/** The `exports` section row (its sinks bring their own rows, src/sinks/registry.ts). */
export const EXPORTS_ROW: FieldSpec = {
  path: 'exports',
  kind: 'section',
  description: 'Where the readings go; any combination at once.',
};
