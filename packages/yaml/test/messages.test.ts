/**
 * What a YAML payload is refused for, in the words a user reads: the check that refused it, and
 * where yaml found the problem (line and column), with a cereal tag's own code and refs kept.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { yamlFormat } from '../src/index.js';

const format = yamlFormat({ maxAliasCount: 3 });

const Messages = suite('yaml: refusals name the check and the place');

const cases: [doc: string, code: string, message: string][] = [
  ['a: {x: 1, x: 2}\n', 'MALFORMED', '[cereal] [yaml] duplicate mapping key "x"'],
  ['1: a\n"1": b\n', 'MALFORMED', '[yaml] duplicate mapping key "1"'],
  ['? [1, 2]\n: x\n', 'MALFORMED', '[yaml] a collection or object as a mapping key; write the Map as a !!omap'],
  ['? !ref [users, 1]\n: x\n', 'INVALID_REF', '[yaml] a ref as a mapping key; write the Map as a !!omap'],
  ['a: &a {x: 1}\nb: {!!merge <<: *a}\n', 'MALFORMED', '[yaml] merge keys (`<<`) are not read in a cereal payload'],
  ['a: !!merge <<\n', 'MALFORMED', '[yaml] a merge marker (`!!merge <<`) as a value is no data'],
  ['[a, b, }]\n', 'MALFORMED', '[yaml] Unexpected flow-seq-end token in YAML stream (line 1, column 9)'],
  ['a: 1\n---\nb: 2\n', 'MALFORMED', '[yaml] the payload holds more than one document (line 2, column 1)'],
  ['', 'MALFORMED', '[yaml] the payload holds no document'],
  ['# only a comment\n', 'MALFORMED', '[yaml] the payload holds no document'],
  ['a: [1, 2\n', 'MALFORMED', '[yaml] BAD_INDENT: Flow sequence in block collection must be sufficiently indented and end with a ] (line 2, column 1)'],
  ['a: *nothing\n', 'MALFORMED', '[yaml] alias *nothing names no anchor before it'],
  ['- &a 1\n- *a\n- *a\n- *a\n- *a\n', 'LIMIT', '[yaml] the document uses more than maxAliasCount 3 aliases; raise `maxAliasCount` if that is expected'],
  ['a: !evil 1\n', 'MALFORMED', '[yaml] TAG_RESOLVE_FAILED: Unresolved tag: !evil (line 1, column 4)'],
  ['a: "unterminated\n', 'MALFORMED', '[yaml] MISSING_CHAR: Missing closing "quote (line 2, column 1)'],
  ['x:\n  - 1\n y: 2\n', 'MALFORMED', '[yaml] BAD_INDENT: All mapping items must start at the same column (line 3, column 1)'],
  ['a: !ref [users]\n', 'INVALID_REF', '[cereal] [yaml] !ref must be [model, key], got 1 item (line 1, column 4)'],
  ['a:\n  b: !ref [users, {}]\n', 'INVALID_REF', '[yaml] invalid key for model `users`: key is an object; a key is a string (at most 1024 characters), a safe integer or a bigint (below 2^128), or an array of 2 or more of those (line 2, column 6)'],
  ['!!omap\n- 7: a\n- 7: b\n', 'MALFORMED', '[yaml] TAG_RESOLVE_FAILED: duplicate !!omap key "7" (line 1, column 1)'],
  ['x: &k 1\nm: !!omap [ {1: first}, {? *k : second} ]\n', 'MALFORMED', '[yaml] an !!omap holds a key twice (through an alias), and a Map keeps one'],
  ['a: !!timestamp 2026-13-45\n', 'MALFORMED', '[yaml] TAG_RESOLVE_FAILED: !!timestamp "2026-13-45" is not a date (line 1, column 4)'],
  ['a: !!binary "!!!!"\n', 'MALFORMED', '[yaml] TAG_RESOLVE_FAILED: !!binary must be base64 (line 1, column 4)'],
  ['a: !date yesterday\n', 'MALFORMED', '[yaml] TAG_RESOLVE_FAILED: !date expects ±YYYYYY-MM-DDTHH:mm:ss.sssZ or `invalid`, got "yesterday" (line 1, column 4)'],
  ['a: !pin [users, 1]\n', 'INVALID_REF', '[yaml] !pin must be a sequence [model, key, version] (line 1, column 4)'],
  ['a: !refs [users, 5]\n', 'INVALID_REF', '[yaml] !refs must be [model, [key, …]] (line 1, column 4)'],
];

for (const [doc, code, message] of cases) {
  Messages(JSON.stringify(doc), () => {
    let err: unknown;
    try {
      format.decode(doc, { maxDepth: 8, maxRefs: 100 });
    } catch (e) {
      err = e;
    }
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, code);
    assert.is((err as CerealError).message.includes(message), true, `${(err as CerealError).message} should include ${message}`);
    assert.is((err as CerealError).message.match(/\[cereal\]/g)?.length, 1, 'one [cereal] prefix');
    assert.is((err as CerealError).message.match(/\[yaml\]/g)?.length, 1, 'one [yaml] prefix');
  });
}

Messages("a cereal tag's failure keeps its code, with the tag's error as cause and the tag's place", () => {
  let err: CerealError | undefined;
  try {
    format.decode('a: !refs [users, [1, {}]]\n', { maxDepth: 8, maxRefs: 100 });
  } catch (e) {
    err = e as CerealError;
  }
  assert.is(err?.code, 'INVALID_REF');
  assert.instance(err?.cause, CerealError);
  assert.match(err!.message, '(line 1, column 4)');
});

Messages('yaml quotes at most 200 characters of the source in a message', () => {
  let err: CerealError | undefined;
  try {
    format.decode(`a: !${'x'.repeat(100_000)} 1\n`, { maxDepth: 8, maxRefs: 100 });
  } catch (e) {
    err = e as CerealError;
  }
  assert.is(err?.code, 'MALFORMED');
  const quoted = /x+/.exec(err!.message)?.[0].length ?? 0;
  assert.ok(quoted > 0 && quoted <= 200, `${quoted} characters of the source quoted`);
  assert.match(err!.message, /\(line 1, column 4\)$/);
});

Messages('maxAliasCount is a whole number from 0, named in the refusal', () => {
  for (const bad of [-1, 1.5, 'x']) {
    assert.throws(() => yamlFormat({ maxAliasCount: bad as never }), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_OPTION' && err.message.includes(`[yaml] \`maxAliasCount\` must be a whole number from 0, got ${bad}`));
  }
  const none = yamlFormat({ maxAliasCount: 0 });
  assert.throws(() => none.decode('- &a 1\n- *a\n', { maxDepth: 8, maxRefs: 10 }), (err: unknown) => err instanceof CerealError && err.code === 'LIMIT');
  assert.equal(none.decode('- &a 1\n- 2\n', { maxDepth: 8, maxRefs: 10 }), [1, 2], 'an anchor without an alias is no alias');
});

Messages('a document with nothing in it (`---`) is null; a payload of no document is refused', () => {
  assert.is(format.decode('---\n', { maxDepth: 8, maxRefs: 100 }), null);
  assert.is(format.decode('--- # a comment\n...\n', { maxDepth: 8, maxRefs: 100 }), null);
  for (const doc of ['', '\n\n', '# a comment\n# and another\n', '%YAML 1.2\n', '%YAML 1.2\n# no ---\n']) {
    assert.throws(() => format.decode(doc, { maxDepth: 8, maxRefs: 100 }), (err: unknown) => err instanceof CerealError && err.code === 'MALFORMED' && err.message.includes('holds no document'));
  }
});

Messages.run();
