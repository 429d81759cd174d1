import type { ScalarTag } from 'yaml';

/**
 * YAML timestamps hold years 0000 to 9999 only, and yaml's own timestamp tag reads years 0 to 99
 * as 1900 to 1999 (it passes them to Date.UTC). These two tags replace it: every Date writes
 * and reads back to the same millisecond, across the whole range a Date holds.
 */

// yaml's pattern for `!!timestamp`: a date, then optionally a time and a zone.
const TIMESTAMP =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(\.[0-9]+)?(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/;

const inRange = (date: Date): boolean => {
  const year = date.getUTCFullYear();
  return year >= 0 && year <= 9999;
};

/** Minutes east of UTC for a zone written `Z`, `+5`, `-03:30`; NaN for one no clock has (`-29:99`). */
function zoneMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const [hours = '', minutes = '0'] = zone.slice(1).split(':');
  if (Number(hours) > 23 || Number(minutes) > 59) return NaN;
  const total = Number(hours) * 60 + Number(minutes);
  return zone[0] === '-' ? -total : total;
}

/** The plain YAML timestamp, `2026-11-27` or `2026-11-27T10:00:00.123Z`, for Dates of years 0 to 9999. */
export const timestampTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  identify: (value: unknown) => value instanceof Date && inRange(value),
  test: TIMESTAMP,
  resolve(text, onError) {
    const m = TIMESTAMP.exec(text);
    if (m === null) return (onError(`!!timestamp expects yyyy-mm-dd, got ${JSON.stringify(text.slice(0, 40))}`), null) as never;
    const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
    const millis = m[7] === undefined ? 0 : Number(`${m[7].slice(1, 4)}00`.slice(0, 3));
    // setUTCFullYear, unlike Date.UTC, takes years 0 to 99 as they are.
    const date = new Date(0);
    date.setUTCFullYear(year!, month! - 1, day);
    date.setUTCHours(hour, minute, second, millis);
    const zone = zoneMinutes(m[8]);
    if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59 || Number.isNaN(zone)) {
      return (onError(`!!timestamp ${JSON.stringify(text.slice(0, 40))} is not a date`), null) as never;
    }
    return new Date(date.getTime() - zone * 60_000);
  },
  stringify: ({ value }) => (value as Date).toISOString().replace(/(T00:00:00)?\.000Z$/, ''),
} satisfies ScalarTag;

// What toISOString writes for years outside 0 to 9999: a sign and six digits.
const EXTENDED = /^[-+]\d{6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `!date +012345-01-01T00:00:00.000Z`: a Date outside the years a timestamp can hold, or
 * `!date invalid` for an Invalid Date. Anything else after `!date` is an error, never a
 * silent Invalid Date.
 */
export const dateTag = {
  tag: '!date',
  identify: (value: unknown) => value instanceof Date && !inRange(value),
  resolve(text, onError) {
    if (text === 'invalid') return new Date(NaN);
    const date = EXTENDED.test(text) ? new Date(text) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      return (onError(`!date expects ±YYYYYY-MM-DDTHH:mm:ss.sssZ or \`invalid\`, got ${JSON.stringify(text.slice(0, 40))}`), null) as never;
    }
    return date;
  },
  stringify: ({ value }) => (Number.isNaN((value as Date).getTime()) ? 'invalid' : (value as Date).toISOString()),
} satisfies ScalarTag;
