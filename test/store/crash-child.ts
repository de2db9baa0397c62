/**
 * Child process for the kill -9 test: inserts batches of 1–60 five-second rows into the history file given as
 * argv[2], starting at argv[3] (unix ms), for ever; prints `committed` after the first batch.
 */
import { openHistoryStore } from '../../src/store/history-store.js';
import { row } from './helpers.js';

const store = openHistoryStore(process.argv[2]!);
let ts = Number(process.argv[3]);
let counter = 1_000_000 + ts / 1000;
let announced = false;
for (;;) {
  const n = 1 + Math.floor(Math.random() * 60);
  const rows = Array.from({ length: n }, () => {
    ts += 5000;
    counter += Math.floor(Math.random() * 10);
    return row(ts, {
      energy_import_wh: counter,
      power_import_w: Math.floor(Math.random() * 3000),
      voltage_l1_dv: 2300,
    });
  });
  store.insert(rows);
  if (!announced) {
    process.stdout.write('committed\n');
    announced = true;
  }
}
