/**
 * Hostile payloads of a given size, per format: the shapes that cost a decoder the most per byte
 * (flat collections of tiny items, one error per byte, metadata for every member of a Set, ref
 * lists in every encoding the wire allows) and honest large values beside them. Each returns a
 * payload of at most `bytes` bytes, within a few bytes of it.
 */
export type Wire = Uint8Array | string;
export type Shapes = Record<string, (bytes: number) => Wire>;

/** `head`, then as many `item`s (joined by `sep`) as fit in `bytes` with `tail`. */
function fill(bytes: number, head: string, item: (i: number) => string, tail: string, sep = ''): string {
  if (item.length === 0) {
    // the same item every time: one repeat instead of millions of small strings
    const one = item(0);
    const n = Math.max(1, Math.floor((bytes - head.length - tail.length + sep.length) / (one.length + sep.length)));
    return `${head}${one}${(sep + one).repeat(n - 1)}${tail}`;
  }
  const parts: string[] = [];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const next = (i === 0 ? '' : sep) + item(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  return head + parts.join('') + tail;
}

const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** A msgpack array32 of as many copies of `item` as fit in `bytes` after `head`. */
function array32(bytes: number, item: number[], head: number[] = []): Uint8Array {
  const n = Math.floor((bytes - head.length - 5) / item.length);
  const out = new Uint8Array(head.length + 5 + n * item.length);
  out.set([...head, 0xdd, ...u32(n)]);
  for (let i = 0; i < n; i++) out.set(item, head.length + 5 + i * item.length);
  return out;
}

const REF = [0xd4, 42, 0, 0x92, 0xa5, ...Buffer.from('users'), 0x01]; // !ref users:1, 11 bytes
// a pinned ref (extension 45), users:1 at version 7, and at a timestamp (fixext 4 of type -1)
const PIN = [0xd4, 45, 0, 0x93, 0xa5, ...Buffer.from('users'), 0x01, 0x07];
const PIN_AT = [0xd4, 45, 0, 0x93, 0xa5, ...Buffer.from('users'), 0x01, 0xd6, 0xff, 0x69, 0x2d, 0x0c, 0x80];

/** A JSON array of `item`, with one metadata entry per element (`annotation`), as many as fit in `bytes`. */
function annotated(bytes: number, item: string, annotation: string): string {
  const build = (n: number): string =>
    `{"json":[${Array(n).fill(item).join(',')}],"meta":{"values":{${Array.from({ length: n }, (_, i) => `"${i}":${annotation}`).join(',')}},"v":1}}`;
  let n = Math.floor(bytes / (item.length + annotation.length + 8));
  let text = build(n);
  while (text.length > bytes) text = build((n = Math.floor(n * 0.97)));
  return text;
}
// A list of refs (cereal's extension 44) whose model name is a str32 and whose keys an array32.
const WIDE_LIST_HEAD = [0xd4, 44, 0, 0x92, 0xdb, ...u32(5), ...Buffer.from('users')];
const DATE = '"2026-01-01T00:00:00.000Z"';

/** A Set of n Dates with one metadata entry per member, n as large as fits in `bytes`. */
function setOfDates(bytes: number, entry: (i: number) => string, values: (meta: string) => string): string {
  const build = (n: number): string => {
    const dates = Array.from({ length: n }, () => DATE).join(',');
    const meta = Array.from({ length: n }, (_, i) => entry(i)).join(',');
    return `{"json":{"s":[${dates}]},"meta":{"values":${values(meta)},"v":1}}`;
  };
  let n = Math.floor(bytes / (DATE.length + entry(0).length + 2));
  let text = build(n);
  while (text.length > bytes) text = build((n = Math.floor(n * 0.98)));
  return text;
}

export const SHAPES: Record<'msgpack' | 'json' | 'yaml', Shapes> = {
  msgpack: {
    'flat array of small integers': (b) => array32(b, [0x00]),
    'flat array of empty maps': (b) => array32(b, [0x80]),
    'flat array of empty arrays': (b) => array32(b, [0x90]),
    'ref list: array32 keys, str32 model': (b) => array32(b, [0x01], WIDE_LIST_HEAD),
    'refs one by one': (b) => array32(b, REF),
    'pinned refs one by one (counter)': (b) => array32(b, PIN),
    'pinned refs one by one (timestamp)': (b) => array32(b, PIN_AT),
    'typed arrays of one byte (fixext1)': (b) => array32(b, [0xd4, 0x74, 0x01]),
    'msgpackr Error extensions': (b) => array32(b, [0xd4, 0x65, 0, 0x93, 0xa1, 0x78, 0xa1, 0x78, 0xc0]),
  },
  json: {
    'flat array of small integers': (b) => fill(b, '{"json":[', () => '0', ']}', ','),
    'flat array of empty objects': (b) => fill(b, '{"json":[', () => '{}', ']}', ','),
    'a Set of Dates (metadata per member)': (b) => setOfDates(b, (i) => `"${i}":["Date"]`, (meta) => `{"s":["set",{${meta}}]}`),
    'sibling paths under one Set': (b) => setOfDates(b, (i) => `"s.${i}":["Date"]`, (meta) => `{"s":["set"],${meta}}`),
    'one error per byte': (b) => fill(b, '{"json":', () => ']', '}'),
    'an Error annotation per element': (b) => annotated(b, '{"message":""}', '["Error"]'),
    'a pinned ref per element (a {date} version)': (b) => annotated(b, '["users",1,{"date":"2026-11-27T10:00:00.123Z"}]', '[["custom","pin"]]'),
    'a long string': (b) => fill(b, '{"json":"', () => 'x', '"}'),
  },
  yaml: {
    'flat flow sequence of small integers': (b) => fill(b, '[', () => '0', ']', ','),
    'block sequence of small integers': (b) => fill(b, '', () => '- 0\n', ''),
    'one error per byte': (b) => fill(b, 'a: ', () => ']', ''),
    'one Composer error per byte': (b) => fill(b, '[', () => ',', ']'),
    'aliases, re-anchored every 50': (b) => fill(b, '[', () => `&a 0,${'*a,'.repeat(50)}`, '0]'),
    'nested flow sequences, `[` per byte': (b) => fill(b, '', () => '[', ''),
    'an !!omap of integer keys': (b) => fill(b, '!!omap\n', (i) => `- ${i}: 0\n`, ''),
    'an !!omap of string keys': (b) => fill(b, '!!omap\n', (i) => `- k${i}: 0\n`, ''),
    'a misused !ref per line': (b) => fill(b, '', () => '- !ref x\n', ''),
    'a !refs list over maxRefs': (b) => fill(b, '!refs [users, [', () => '1', ']]', ','),
    'a !pin per line': (b) => fill(b, '', () => '- !pin [users, 1, 2026-11-27T10:00:00.123Z]\n', ''),
    'a long string': (b) => fill(b, 'a: "', () => 'x', '"'),
  },
};
