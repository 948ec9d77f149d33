/**
 * `new Date(ms).toISOString()` computed from the number: the first Date method that needs calendar
 * fields (toISOString among them) makes V8 set up its date cache, which loads the local time zone
 * (ICU, /etc/localtime and its real path): 0.18 ms here, on the main thread of every `run`, for a
 * UTC time that needs no zone at all. Years outside 0-9999 (never a clock's) go to Date.
 */
export function isoTime(ms: number = Date.now()): string {
  const DAY = 86_400_000;
  const days = Math.floor(ms / DAY);
  const inDay = ms - days * DAY;
  // The civil date of a day number: years of 400 (146097 days) from 0000-03-01, so that the leap
  // day is the last day of a year that starts in March.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!Number.isFinite(ms) || year < 0 || year > 9999) return new Date(ms).toISOString();
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor(inDay / 60_000) % 60;
  const s = Math.floor(inDay / 1000) % 60;
  const milli = inDay % 1000;
  return `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(s)}.${String(milli).padStart(3, "0")}Z`;
}
