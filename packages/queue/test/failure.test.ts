import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, ref } from '@cereal/core';
import { classify, failurePolicy, type QueueWording } from '../src/index.js';

const WORDING: QueueWording = { label: 'q', what: 'job data', writer: 'send(…)', retryHint: 'give it retries' };
const policy = (options: Parameters<typeof failurePolicy>[0] = {}) => failurePolicy(options, WORDING).policy;
const missing = new CerealError('MISSING_ROW', '1 referenced row is missing: `users:9`', { refs: [ref('users', 9)] });
const FIRST = { createdAt: undefined, attempt: 1, attempts: 3 };

const Classify = suite('classify: read failures into retry, fail or discard');

Classify('retryable codes are retried, everything else a CerealError says fails; other errors are retried', () => {
  const p = policy();
  const cases: [CerealError | Error, string][] = [
    [new CerealError('LOAD_FAILED', 'down'), 'retry'],
    [new CerealError('STALE', 'behind'), 'retry'],
    [missing, 'fail'],
    [new CerealError('MALFORMED', 'bad'), 'fail'],
    [new CerealError('UNKNOWN_MODEL', 'who'), 'fail'],
    [new CerealError('LIMIT', 'big'), 'fail'],
    [new CerealError('INVALID_REF', 'key'), 'fail'],
    [new CerealError('INVALID_OPTION', 'opt'), 'fail'],
    [new TypeError('a bug in a loader of your own'), 'retry'],
  ];
  for (const [err, action] of cases) {
    const outcome = classify(err, p, FIRST);
    assert.is(outcome.action, action, String(err));
    assert.is(outcome.cause, err);
    if (err instanceof CerealError) {
      assert.is(outcome.code, err.code);
      assert.is(outcome.message, `${err.code}: ${err.message}`, 'the code, then the message');
    } else {
      assert.is(outcome.code, undefined);
      assert.is(outcome.message, 'a bug in a loader of your own');
    }
  }
});

Classify("onMissingRow 'discard': a missing row is discarded with a line naming the refs; other codes are untouched", () => {
  const p = policy({ onMissingRow: 'discard' });
  const outcome = classify(missing, p, FIRST);
  assert.is(outcome.action, 'discard');
  assert.is(outcome.message, 'discarded by cereal: 1 referenced row is gone: `users:9`');
  const many = new CerealError('MISSING_ROW', 'gone', { refs: [ref('users', 1), ref('users', 2)] });
  assert.is(classify(many, p, FIRST).message, 'discarded by cereal: 2 referenced rows are gone: `users:1`, `users:2`');
  assert.is(classify(new CerealError('MALFORMED', 'bad'), p, FIRST).action, 'fail');
});

Classify('missingRetry: young with attempts left → retry; young on the last attempt → fail (with the hint when it had none); old → as onMissingRow says', () => {
  const now = 1_000_000;
  const p = policy({ missingRetry: { within: '30s' } });
  const young = classify(missing, p, { createdAt: now - 1200, attempt: 2, attempts: 5 }, now);
  assert.is(young.action, 'retry');
  assert.is(young.message, 'MISSING_ROW: [q] retrying: the job is 1200ms old, younger than missingRetry.within (30s), and its rows may not be visible yet (attempt 2 of 5 failed). [cereal] 1 referenced row is missing: `users:9`');
  const last = classify(missing, p, { createdAt: now - 10, attempt: 5, attempts: 5 }, now);
  assert.is(last.action, 'fail');
  assert.match(last.message, /^MISSING_ROW: \[q\] not retrying: the job is 10ms old, .*but attempt 5 of 5 was its last\. \[cereal\]/);
  const none = classify(missing, p, { createdAt: now, attempt: 1, attempts: 1 }, now);
  assert.match(none.message, /attempt 1 of 1 was its last: give it retries\. /);
  const old = classify(missing, p, { createdAt: now - 30_000, attempt: 1, attempts: 5 }, now);
  assert.is(old.action, 'fail');
  assert.is(old.message, `MISSING_ROW: [q] not retrying: the job is 30000ms old, past missingRetry.within (30s). ${missing.message}`, 'past the grace period: failed, saying why');
  const unknownAge = classify(missing, p, { createdAt: undefined, attempt: 1, attempts: 5 }, now);
  assert.is(unknownAge.action, 'fail', 'a job without a creation time is taken as past it');
  assert.is(unknownAge.message, `MISSING_ROW: ${missing.message}`, 'with no note: its age is not known');
  const ahead = classify(missing, p, { createdAt: now + 5000, attempt: 1, attempts: 2 }, now);
  assert.is(ahead.action, 'retry', "a producer's clock ahead: young");
  assert.match(ahead.message, /the job is 0ms old/);
  const discard = classify(missing, policy({ missingRetry: { within: 1000 }, onMissingRow: 'discard' }), { createdAt: now - 1, attempt: 3, attempts: 3 }, now);
  assert.is(discard.action, 'discard');
  assert.match(discard.message, /^discarded by cereal: 1 referenced row is gone \(\[q\] not retrying: the job is 1ms old, younger than missingRetry\.within \(1000ms\), but attempt 3 of 3 was its last\): `users:9`$/);
});

Classify('an error whose refs are not refs (a CerealError a handler built: [null]) is classified, naming the refs that are', () => {
  const odd = new CerealError('MISSING_ROW', 'gone', { refs: [null, ref('users', 3), 5] as never });
  const discarded = classify(odd, policy({ onMissingRow: 'discard' }), FIRST);
  assert.is(discarded.message, 'discarded by cereal: 1 referenced row is gone: `users:3`');
  assert.is(classify(odd, policy(), FIRST).action, 'fail');
  const none = new CerealError('MISSING_ROW', 'odd', { refs: [null] as never });
  assert.is(classify(none, policy({ onMissingRow: 'discard' }), FIRST).message, 'discarded by cereal: referenced rows are gone: [cereal] odd');
});

Classify('messages stay within 1000 characters, even for 5000 missing refs', () => {
  const refs = Array.from({ length: 5000 }, (_, i) => ref('users', i));
  const err = new CerealError('MISSING_ROW', 'many', { refs });
  for (const p of [policy(), policy({ onMissingRow: 'discard' })]) assert.ok(classify(err, p, FIRST).message.length <= 1000);
});

Classify('a message cut to its bound never ends in half a surrogate pair (stored text stays well-formed)', () => {
  const p = policy({ onMissingRow: 'discard' });
  for (let pad = 0; pad < 4; pad++) {
    const key = `${'x'.repeat(pad)}${'🎉'.repeat(500)}`;
    for (const action of ['fail', 'discard'] as const) {
      const err = new CerealError('MISSING_ROW', `gone: ${key}`, { refs: [ref('tags', key)] });
      const { message } = classify(err, action === 'fail' ? policy() : p, FIRST);
      assert.ok(message.length <= 1000);
      assert.not.match(message, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, `${action}, pad ${pad}: a lone surrogate`);
    }
  }
});

Classify('failurePolicy: bad options are INVALID_OPTION naming the option; decode options pass through', () => {
  const bad: [unknown, RegExp][] = [
    [{ onMissingRow: 'skip' }, /^\[cereal\] \[q\] `onMissingRow` must be 'fail' or 'discard', got "skip"$/],
    [{ missingRetry: 30 }, /`missingRetry` must be an object, `\{ within: '30s' \}`, got 30/],
    [{ missingRetry: { within: 'soon' } }, /`missingRetry\.within` must be a number of milliseconds/],
    [{ missingRetry: { within: -1 } }, /`missingRetry\.within`/],
    [null, /options must be an object, got null/],
    [{ maxRefs: 'x' }, /`maxRefs` must be a positive integer/],
    [{ maxDepth: 1e9 }, /`maxDepth` must be at most 250/],
    [{ consistency: 'bogus' }, /`consistency` must be 'latest' or 'at-least'/],
    [{ onMissingRows: 'fail' }, /unknown option `onMissingRows`; known: onMissingRow, missingRetry/],
    [{ missing: 'null' }, /unknown option `missing`: `missing` belongs to the serializer/],
  ];
  for (const [options, pattern] of bad) {
    try {
      failurePolicy(options as never, WORDING);
      assert.unreachable(String(options));
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'INVALID_OPTION');
      assert.match((err as Error).message, pattern);
    }
  }
  const { policy: p, decodeOptions } = failurePolicy({ onMissingRow: 'discard', missingRetry: { within: '1.5m' }, maxRefs: 10, maxBytes: 100 }, WORDING);
  assert.equal(decodeOptions, { maxRefs: 10, maxBytes: 100 });
  assert.equal(p.grace, { ms: 90_000, shown: '1.5m' });
});

Classify('missingRetry at its edges: exactly the grace period is past it; odd attempt counts read as one; the queue names its item', () => {
  const now = 1_000_000;
  const p = policy({ missingRetry: { within: 1000 } });
  assert.is(classify(missing, p, { createdAt: now - 999, attempt: 1, attempts: 2 }, now).action, 'retry');
  const edge = classify(missing, p, { createdAt: now - 1000, attempt: 1, attempts: 2 }, now);
  assert.is(edge.action, 'fail');
  assert.match(edge.message, 'the job is 1000ms old, past missingRetry.within (1000ms)');
  // an attempt or a count that is no whole number from 1 reads as 1
  for (const [attempt, attempts, action] of [[0, 3, 'retry'], [1.5, 3, 'retry'], [NaN, 3, 'retry'], [2, 0, 'fail'], [2, 2.5, 'fail'], [1, 2.5, 'fail']] as const) {
    assert.is(classify(missing, p, { createdAt: now, attempt, attempts }, now).action, action, `attempt ${attempt} of ${attempts}`);
  }
  assert.match(classify(missing, p, { createdAt: now, attempt: 2, attempts: 1 }, now).message, 'attempt 2 of 2 was its last');
  assert.match(classify(missing, p, { createdAt: Number.NaN, attempt: 1, attempts: 3 }, now).message, /^MISSING_ROW: \[cereal\]/, 'a creation time that is no number: no note');
  const message = failurePolicy({ missingRetry: { within: '5s' } }, { ...WORDING, item: 'message' }).policy;
  assert.match(classify(missing, message, { createdAt: now - 10, attempt: 1, attempts: 2 }, now).message, 'the message is 10ms old');
  for (const bad of [[], 'soon', null]) {
    assert.throws(() => failurePolicy({ missingRetry: bad as never }, WORDING), /`missingRetry` must be an object/);
  }
  assert.is(failurePolicy({}, WORDING).policy.onMissingRow, 'fail', 'the default');
  assert.is(failurePolicy({}, WORDING).policy.grace, undefined);
});

Classify.run();
