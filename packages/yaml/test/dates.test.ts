/**
 * Dates in YAML: every plain timestamp spelling YAML 1.1 allows reads as the instant it names,
 * in every zone a clock has; a date no calendar has is refused, never rolled over; and every
 * Date, of any year or invalid, writes and reads back to the same millisecond.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { yamlFormat } from '../src/index.js';

const format = yamlFormat();
const read = (text: string): unknown => (format.decode(`a: ${text}\n`) as { a: unknown }).a;
const time = (text: string): number => {
  const value = read(text);
  assert.instance(value, Date, text);
  return (value as Date).getTime();
};

const Dates = suite('yaml dates');

Dates('each spelling of a timestamp reads as the instant it names', () => {
  const cases: [string, number][] = [
    ['2026-11-27', Date.UTC(2026, 10, 27)],
    ['2026-1-2', Date.UTC(2026, 0, 2)],
    ['2026-11-27T10:20:30Z', Date.UTC(2026, 10, 27, 10, 20, 30)],
    ['2026-11-27t10:20:30z'.replace(/z$/, 'Z'), Date.UTC(2026, 10, 27, 10, 20, 30)],
    ['2026-11-27 10:20:30', Date.UTC(2026, 10, 27, 10, 20, 30)],
    ['2026-11-27\t 1:2:3', Date.UTC(2026, 10, 27, 1, 2, 3)],
    ['2026-11-27T10:20:30.1Z', Date.UTC(2026, 10, 27, 10, 20, 30, 100)],
    ['2026-11-27T10:20:30.12Z', Date.UTC(2026, 10, 27, 10, 20, 30, 120)],
    ['2026-11-27T10:20:30.123Z', Date.UTC(2026, 10, 27, 10, 20, 30, 123)],
    ['2026-11-27T10:20:30.123999Z', Date.UTC(2026, 10, 27, 10, 20, 30, 123)],
    ['2026-11-27T10:20:30.000001', Date.UTC(2026, 10, 27, 10, 20, 30)],
    ['2026-11-27T10:20:30+5', Date.UTC(2026, 10, 27, 5, 20, 30)],
    ['2026-11-27T10:20:30+05:30', Date.UTC(2026, 10, 27, 4, 50, 30)],
    ['2026-11-27T10:20:30-03:30', Date.UTC(2026, 10, 27, 13, 50, 30)],
    ['2026-11-27T10:20:30 -1', Date.UTC(2026, 10, 27, 11, 20, 30)],
    ['2026-11-27T10:20:30+23:59', Date.UTC(2026, 10, 27, 10, 20, 30) - (23 * 60 + 59) * 60_000],
    ['2026-11-27T10:20:30 Z', Date.UTC(2026, 10, 27, 10, 20, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ];
  assert.equal(cases.map(([text]) => time(text)), cases.map(([, ms]) => ms));
});

Dates('years 0 to 99 are those years, not 1900 to 1999', () => {
  const year = (text: string) => new Date(time(text)).getUTCFullYear();
  assert.equal([year('0005-03-04'), year('0000-01-01'), year('0099-12-31T23:59:59Z'), year('9999-12-31')], [5, 0, 99, 9999]);
  const five = new Date(time('0005-03-04T01:02:03.004Z'));
  assert.equal([five.getUTCMonth(), five.getUTCDate(), five.getUTCHours(), five.getUTCMinutes(), five.getUTCSeconds(), five.getUTCMilliseconds()], [2, 4, 1, 2, 3, 4]);
});

Dates('a date or time no calendar or clock has is MALFORMED, never rolled over', () => {
  for (const text of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-11-00', '2026-11-27T24:00:00Z', '2026-11-27T10:60:00Z', '2026-11-27T10:00:60Z', '2026-11-27T10:00:00+24', '2026-11-27T10:00:00+01:60']) {
    let error: unknown;
    try {
      read(`!!timestamp ${text}`);
    } catch (err) {
      error = err;
    }
    assert.instance(error, CerealError, text);
    assert.is((error as CerealError).code, 'MALFORMED', text);
    assert.match((error as CerealError).message, `!!timestamp "${text}" is not a date`);
  }
  let error: unknown;
  try {
    read('!!timestamp yesterday');
  } catch (err) {
    error = err;
  }
  assert.is((error as CerealError).code, 'MALFORMED');
  assert.match((error as CerealError).message, 'starting with yyyy-mm-dd (line 1, column 4)');
});

Dates('text shaped almost like a timestamp stays text', () => {
  for (const text of ['2026-11-27x', 'x2026-11-27', '26-11-27', '2026-11-27T10:20', '2026-11-27T10:20:30+123']) assert.is(read(`'${text}'`), text);
  for (const text of ['2026-11-27x', 'x2026-11-27', '26-11-27', '2026-11-27T10:20']) assert.is(read(text), text, text);
});

Dates('writing: a day at midnight as its date, other times to the second or millisecond, years outside 0 to 9999 and Invalid Date as !date', () => {
  const cases: [Date, string][] = [
    [new Date(Date.UTC(2026, 10, 27)), '2026-11-27'],
    [new Date(Date.UTC(2026, 10, 27, 10, 20, 30)), '2026-11-27T10:20:30'],
    [new Date(Date.UTC(2026, 10, 27, 0, 0, 0, 5)), '2026-11-27T00:00:00.005Z'],
    [new Date(Date.UTC(2026, 10, 27, 10, 20, 30, 123)), '2026-11-27T10:20:30.123Z'],
    [new Date(Date.UTC(10000, 0, 1)), '!date +010000-01-01T00:00:00.000Z'],
    [new Date('-000001-06-01T12:00:00.000Z'), '!date -000001-06-01T12:00:00.000Z'],
    [new Date(NaN), '!date invalid'],
  ];
  for (const [date, text] of cases) {
    assert.is(format.encode({ a: date }), `a: ${text}\n`, text);
    const back = (format.decode(format.encode({ a: date })) as { a: Date }).a;
    assert.instance(back, Date);
    assert.ok(Object.is(back.getTime(), date.getTime()), text);
  }
  const five = new Date(0);
  five.setUTCFullYear(5, 0, 1);
  assert.is((format.decode(format.encode(five)) as Date).getTime(), five.getTime(), 'year 5 round-trips');
});

Dates('!date takes the extended form or `invalid`, nothing else', () => {
  for (const text of ['2026-11-27T00:00:00.000Z', '+010000-01-01', 'tomorrow', '+010000-13-01T00:00:00.000Z', '']) {
    let error: unknown;
    try {
      read(`!date '${text}'`);
    } catch (err) {
      error = err;
    }
    assert.is((error as CerealError | undefined)?.code, 'MALFORMED', text);
    assert.match((error as CerealError).message, '!date expects ±YYYYYY-MM-DDTHH:mm:ss.sssZ or `invalid`');
  }
  assert.is(time('!date +010000-01-01T00:00:00.000Z'), Date.UTC(10000, 0, 1));
  assert.ok(Number.isNaN(time('!date invalid')));
});

Dates.run();
