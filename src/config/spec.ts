/**
 * The generic kit each component states its meter.json keys with: a schema row type (`FieldSpec`), a typed reader
 * of the walked values (`Values`) and `defineOptions(rows, build)`, whose builder's return type IS the component's
 * config type (`ConfigOf<typeof X_OPTIONS>`), so no interface repeats the rows. The rows of all components are
 * assembled outside config/ (src/daemon/config-schema.ts): this folder knows no component.
 */
import type { ConfigIssue } from './issues.js';

export type FieldKind =
  | 'section' // an object holding more keys
  | 'source' // section that may also be written as one string
  | 'list' // an array of sections (`meters`); its element rows are `<path>[].<key>`
  | 'id' // [A-Za-z0-9_-]{1,64}
  | 'string'
  | 'string-list' // array of names (`meters[].exports`)
  | 'device' // serial device path
  | 'secret' // password / token: never printed
  | 'aes-key' // 32 hex digits, never printed
  | 'p256-point' // uncompressed P-256 public key, 130 hex digits
  | 'path'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'parity'
  | 'stopbits'
  | 'bytesize'
  | 'level'
  | 'mqtt-url'
  | 'host'
  | 'host-list' // array of host names (no port, no scheme)
  | 'obis-scalers'; // {"1.1.31.7.0.255": -2}: OBIS code → power of ten

export interface FieldSpec {
  /** Dotted path in meter.json, e.g. `exports.mqtt.base_topic`; list elements as `meters[].key`. */
  path: string;
  kind: FieldKind;
  description: string;
  /** Default as shown to the user; absent when the key has none (optional or required). */
  default?: string | number | boolean;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Example value for messages. */
  example?: string;
  /** A section that may also be written as `true` (all defaults) or `false` (off). */
  toggle?: boolean;
}

/** A set of rows with lookup by path. */
export interface Schema {
  readonly rows: readonly FieldSpec[];
  readonly byPath: ReadonlyMap<string, FieldSpec>;
  /** Keys allowed directly under `parent` ('' = top level). */
  childKeys(parent: string): string[];
}

export function makeSchema(rows: readonly FieldSpec[]): Schema {
  const byPath = new Map(rows.map((f) => [f.path, f]));
  return {
    rows,
    byPath,
    childKeys(parent) {
      const prefix = parent === '' ? '' : parent + '.';
      return rows
        .filter((f) => f.path.startsWith(prefix) && !f.path.slice(prefix.length).includes('.'))
        .map((f) => f.path.slice(prefix.length));
    },
  };
}

/** Rows re-rooted under `prefix` (`source.port` → `meters[].source.port`). */
export function prefixRows(prefix: string, rows: readonly FieldSpec[]): FieldSpec[] {
  return rows.map((r) => ({ ...r, path: `${prefix}.${r.path}` }));
}

/** What walk.ts produces: a flat map path → normalised value plus the sections present. */
export interface Walked {
  values: Map<string, unknown>;
  /** Sections present (written as an object, or `true` for toggles). */
  present: Set<string>;
  /** Paths whose value was rejected (so that "required" is not reported twice). */
  failed: Set<string>;
  issues: ConfigIssue[];
  warnings: string[];
}

/** Typed read access to the walked values with the schema's defaults; collects issues and warnings. */
export class Values {
  readonly issues: ConfigIssue[] = [];
  readonly warnings: string[] = [];
  constructor(
    readonly walked: Walked,
    private readonly schema: Schema,
    /** Path → the key as the user wrote it (old Python key, env variable, `meters[1].key (meter "x")`). */
    private readonly shown: (path: string) => string = (p) => p,
  ) {}

  has(path: string): boolean {
    return this.walked.values.has(path);
  }
  failedAt(path: string): boolean {
    return this.walked.failed.has(path);
  }
  present(section: string): boolean {
    return this.walked.present.has(section);
  }
  get<T>(path: string): T | undefined {
    return this.walked.values.get(path) as T | undefined;
  }
  /** Value or the schema default. */
  def<T>(path: string): T {
    return (this.walked.values.get(path) ?? this.schema.byPath.get(path)?.default) as T;
  }
  /** Value of a key a present section needs; reports it missing (once) otherwise. */
  need<T>(path: string, what: string): T | undefined {
    const v = this.get<T>(path);
    if (v === undefined && !this.walked.failed.has(path)) this.issue(path, `required: ${what}`);
    return v;
  }
  issue(path: string, message: string): void {
    this.issues.push({ path: this.shown(path), message });
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  /** The key as the user wrote it, for messages. */
  name(path: string): string {
    return this.shown(path);
  }
}

/** What a builder may read besides its own keys. */
export interface BuildContext {
  /** `data_dir` after defaults (history path, outbox). */
  dataDir: string;
}

/** A component's keys, stated once: its schema rows and the builder that turns them into its config. */
export interface Options<T> {
  readonly rows: readonly FieldSpec[];
  build(v: Values, ctx: BuildContext): T;
}

export function defineOptions<T>(
  rows: readonly FieldSpec[],
  build: (v: Values, ctx: BuildContext) => T,
): Options<T> {
  return { rows, build };
}

/** The config type a component's options build (without `undefined`: absent section). */
export type ConfigOf<O> = O extends Options<infer T> ? Exclude<T, undefined> : never;

/** `T` with every key that may be undefined made optional (`{ file: string | undefined }` → `{ file?: string }`). */
export type Compact<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
} extends infer U
  ? { [K in keyof U]: U[K] }
  : never;

/** Removes keys whose value is undefined (so printed configs and deepEqual stay clean). */
export function dropUndefined<T extends object>(o: T): Compact<T> {
  const rec = o as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (rec[k] === undefined) delete rec[k];
  return o as unknown as Compact<T>;
}
