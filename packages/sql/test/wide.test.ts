/**
 * Keys beyond 2^53: which keys go in statements of their own that read the key columns exactly,
 * and how the exact text read there is put back into the row.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXACT_TEXT, exactAlias, isSafeBigint, isWide, restoreExact } from '../src/index.js';

const Wide = suite('wide keys');

const MAX = 2n ** 53n - 1n;

Wide('isSafeBigint: what a double holds exactly, on both sides of zero', () => {
  assert.equal([MAX, -MAX, MAX + 1n, -MAX - 1n, 0n].map(isSafeBigint), [true, true, false, false, true]);
});

Wide('isWide: a bigint or integer text beyond 2^53, as a database would read the text; numbers never', () => {
  const wide = ['9007199254740992', '-9007199254740992', ' +9007199254740993.0 ', '9007199254740993.000', '\t9007199254740993'];
  const narrow = ['9007199254740991', '-9007199254740991', '9007199254740993.5', 'x9007199254740993', '9007199254740993x', '900719925474099', '9007199254740993e0', '1'.repeat(41)];
  assert.equal(wide.map((k) => isWide(k)), wide.map(() => true));
  assert.equal(narrow.map((k) => isWide(k)), narrow.map(() => false));
  assert.equal([MAX + 1n, -MAX - 1n, MAX, 2 ** 60].map((k) => isWide(k)), [true, true, false, false]);
  assert.equal([[1, MAX + 1n], ['a', 'b'], [1, '9007199254740993']].map((k) => isWide(k)), [true, false, true]);
});

Wide('the type each family casts a key column to for its exact text', () => {
  assert.equal(EXACT_TEXT, { sqlite: 'text', postgres: 'text', mysql: 'char', other: 'varchar(64)' });
  assert.is(exactAlias(3), '__cereal_exact_3');
});

Wide('restoreExact: a number read as a double takes the exact integer; a bigint stays one; text and other values are left; aliases always go', () => {
  const row: Record<string, unknown> = {
    a: 2 ** 60, b: 5n, c: 'abc', d: 7, e: 2 ** 60,
    [exactAlias(0)]: String(2n ** 60n + 1n), [exactAlias(1)]: '5', [exactAlias(2)]: 'abc', [exactAlias(3)]: '-7', [exactAlias(4)]: '1.5',
  };
  restoreExact(row, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(row, { a: 2n ** 60n + 1n, b: 5n, c: 'abc', d: -7, e: 2 ** 60 });
  const partial: Record<string, unknown> = { a: 1, b: 2, [exactAlias(1)]: '3' };
  restoreExact(partial, ['a', 'b']);
  assert.equal(partial, { a: 1, b: 3 }, 'only the parts that have an alias');
  for (const text of ['12a', 'a12', ' 12', '', 12]) {
    const r: Record<string, unknown> = { id: 1, [exactAlias(0)]: text };
    restoreExact(r, ['id']);
    assert.equal(r, { id: 1 }, String(text));
  }
  const extra: Record<string, unknown> = { id: 1, [exactAlias(1)]: '9' };
  restoreExact(extra, ['id']);
  assert.equal(extra, { id: 1, [exactAlias(1)]: '9' }, 'an alias beyond the key is no key part');
});

Wide.run();
