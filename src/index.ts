/** kaifareader library API. */
export * from './errors.js';
export type * from './model/snapshot.js';
export { findReading, baseValue } from './model/snapshot.js';
