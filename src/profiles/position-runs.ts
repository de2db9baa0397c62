/**
 * Runs of bare registers that several position profiles share, in the order meters send them (Kaifa Norway,
 * Iskra AM550, Siemens IM350, Wiener Netze IR): each a list of uint32 values without scalers in base units.
 */
import type { PositionRule } from './profile.js';

/** P+ P− (W), then Q+ Q− (var) from `at`: instantaneous active and reactive power, import and export. */
export function powersPQ(at: number): PositionRule[] {
  return [
    { position: at, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
    { position: at + 1, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
    { position: at + 2, obis: '1.0.3.7.0.255', scaler: 0, unit: 'var' },
    { position: at + 3, obis: '1.0.4.7.0.255', scaler: 0, unit: 'var' },
  ];
}

/** A+ A− (Wh), then R+ R− (varh) from `at`: the energy registers, import and export. */
export function energiesAR(at: number): PositionRule[] {
  return [
    { position: at, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
    { position: at + 1, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
    { position: at + 2, obis: '1.0.3.8.0.255', scaler: 0, unit: 'varh' },
    { position: at + 3, obis: '1.0.4.8.0.255', scaler: 0, unit: 'varh' },
  ];
}
