// Every date and time on the page, in one style: the browser's locale for the order and the month's name (a
// name, so 11/12 versus 12.11. can never be misread), always the year where a date stands alone, and a 24-hour
// clock. en-US: "Dec 2, 2026, 04:23:05"; de-AT: "2. Dez. 2026, 04:23:05"; axis labels "Dec 2", "Dec 2026", "04:23".
// Moments (receive times, the cursor) are shown in the browser's time zone; wall-clock texts (the meter's own
// clock, the history's local days and months) are shown as they are, without re-zoning.

const make = (options, timeZone) =>
  new Intl.DateTimeFormat(undefined, { hourCycle: 'h23', ...(timeZone ? { timeZone } : {}), ...options });

const DATE = { year: 'numeric', month: 'short', day: 'numeric' };
const TIME = { hour: '2-digit', minute: '2-digit' };

const LOCAL = {
  seconds: make({ ...DATE, ...TIME, second: '2-digit' }),
  minutes: make({ ...DATE, ...TIME }),
  day: make({ month: 'short', day: 'numeric' }),
  month: make({ month: 'short', year: 'numeric' }),
  time: make(TIME),
};
// Wall-clock values are built as UTC dates and formatted in UTC, so nothing shifts them.
const WALL = {
  seconds: make({ ...DATE, ...TIME, second: '2-digit' }, 'UTC'),
  date: make(DATE, 'UTC'),
  day: make({ month: 'short', day: 'numeric' }, 'UTC'),
  month: make({ month: 'short', year: 'numeric' }, 'UTC'),
};

const missing = (v) => v === undefined || v === null || !Number.isFinite(v);

/** A moment (unix seconds) with date and time to the second. */
export function formatDateTime(unixSeconds) {
  return missing(unixSeconds) ? '–' : LOCAL.seconds.format(unixSeconds * 1000);
}

/** A moment to the minute (the chart's cursor). */
export function formatDateTimeMinutes(unixSeconds) {
  return missing(unixSeconds) ? '–' : LOCAL.minutes.format(unixSeconds * 1000);
}

/**
 * Labels of a time axis for the visible span: times of day up to a day and a half, days up to four months,
 * months beyond.
 */
export function formatTimeAxis(splits, spanSeconds) {
  const f = spanSeconds <= 36 * 3600 ? LOCAL.time : spanSeconds <= 120 * 86_400 ? LOCAL.day : LOCAL.month;
  return splits.map((s) => (missing(s) ? '' : f.format(s * 1000)));
}

/** The meter's ISO 8601 time (`2026-12-02T04:23:05+01:00`) as its own wall clock shows it. */
export function formatMeterTime(iso) {
  if (!iso) return '–';
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(iso);
  if (!m) return iso;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return WALL.seconds.format(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** A history bucket label (`2026-11-24` local day, `2026-11` month): short for an axis, long for the legend. */
export function formatBucketLabel(label, period, long = false) {
  const m = /^(\d{4})-(\d\d)(?:-(\d\d))?$/.exec(label ?? '');
  if (!m) return label ?? '';
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] ?? 1));
  if (period === 'month') return WALL.month.format(t);
  return (long ? WALL.date : WALL.day).format(t);
}
