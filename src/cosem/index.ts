/** COSEM layer: OBIS codes, the quantity table (OBIS catalog), units, scalers and date-time. Pure, no I/O. */
export { lookupObis, keyForObis, nameForObis, OBIS_CATALOG, type CatalogEntry } from './catalog.js';
export {
  QUANTITIES,
  lookupQuantity,
  toKeyUnit,
  valueInKeyUnit,
  type Quantity,
  type QuantityMetric,
  type HistoryColumn,
  type HistoryUnit,
  type MetricBase,
} from './quantities.js';
export { parseObis, formatObis, obisToBytes, normalizeObis, type ObisTuple } from './obis.js';
export { unitName, unitCode, unitQuantity, DLMS_UNITS } from './units.js';
export { applyScaler } from './scale.js';
export {
  decodeCosemDateTime,
  encodeCosemDateTime,
  validateCosemDateTime,
  toCosemDateTime,
  formatCosemDateTime,
  formatLocalText,
  toEpochMs,
  type CosemDateTime,
} from './date-time.js';
