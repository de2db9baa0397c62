/**
 * The OBIS catalog under its old names: a thin view of the one quantity table `quantities.ts` (same rows, same
 * matching rule: any channel B, only F = 255). Kept so callers that only need key, name and HA classes read as
 * before.
 */
export {
  QUANTITIES as OBIS_CATALOG,
  lookupQuantity as lookupObis,
  keyForObis,
  nameForObis,
  type Quantity as CatalogEntry,
} from './quantities.js';
