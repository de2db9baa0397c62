// Preloaded into a daemon under test (`node --import <this> bin/kaifareader …`): measures how long the event loop
// was held (the gap between 5 ms timer ticks beyond the 5 ms) and logs each gap over 20 ms on stderr with the CPU
// time the process used in it and the wall-clock time it ended:
//   event-loop: held for 42 ms (cpu 40 ms) until 1764680000123
// A gap with little CPU time is the process waiting for a core (a busy machine), not code holding the loop.
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

let last = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const gap = now - last - 5;
  const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
  [last, lastCpu] = [now, cpu];
  if (gap > 20) {
    writeSync(
      2,
      `event-loop: held for ${Math.round(gap)} ms (cpu ${Math.round(used)} ms) until ${Date.now()}\n`,
    );
  }
}, 5).unref();
