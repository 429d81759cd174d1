import { CerealError, checkWire, parseDepth, refCounter, wireError, type DecodeOptions, type Format } from '@cereal/core';
import { dateTag, timestampTag } from './_dates.js';
import { omapReadTag } from './_omap.js';
import { parseYaml } from './_parse.js';
import { binaryTag, undefinedTag, unsupportedTag } from './_values.js';
import { Document, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions, type ToStringOptions } from 'yaml';
import { bigintTag, refTags, type RefCount } from './tags.js';

/** Options of {@link yamlFormat}. */
export interface YamlFormatOptions {
  /**
   * Most aliases (`*name`) a document may use when it is read, and most times its aliases may
   * expand; more is `LIMIT`, before the document is composed (yaml resolves each alias by
   * scanning every anchor and alias before it, so many aliases would take quadratic time).
   * @default 100
   */
  maxAliasCount?: number;
}

/**
 * YAML's default maxBytes. The yaml library keeps about 1 KB of syntax tree and nodes per item:
 * a MiB of `[0,0,0,…]` peaks at ≈ 560 MB and takes ≈ 2.3 s (`pnpm bench:hostile`), so 1 MiB is
 * the most a worker with a 1 GiB heap reads safely by default.
 */
export const YAML_MAX_BYTES = 2 ** 20;

type Options = CreateNodeOptions & DocumentOptions & SchemaOptions & ParseOptions & ToJSOptions & ToStringOptions;

/**
 * cereal's YAML format: `owner: !ref [users, 42]`, composite keys `!ref [orders, [7, 1001]]`,
 * an array of refs to one model `!refs [users, [1, 2, 3]]`. Maps are `!!omap`, Sets `!!set`,
 * Dates timestamps, bigints `!bigint`. Tags are passed per call: no global state.
 *
 * @param options - see {@link YamlFormatOptions}
 * @returns a Format whose wire is YAML text
 */
export function yamlFormat(options: YamlFormatOptions = {}): Format<string> {
  const maxAliasCount = options.maxAliasCount ?? 100;
  if (!Number.isInteger(maxAliasCount) || maxAliasCount < 0) {
    throw new CerealError('INVALID_OPTION', `[yaml] \`maxAliasCount\` must be a whole number from 0, got ${String(maxAliasCount).slice(0, 40)}`);
  }
  // The ref tags count what they build through this; decode points it at the call's counter
  // (decoding is synchronous, so one decode of this instance runs at a time).
  let count: RefCount = () => true;
  const yamlOptions: Options = {
    version: '1.2',
    schema: 'core',
    // !bigint first, or yaml's int tag would claim bigints and write them as plain numbers.
    // !undefined before yaml's null tag, which would claim undefined as null.
    // The date and binary tags replace yaml's (_dates.ts, _values.ts); the omap tag reads, and
    // yaml's omap, after it, writes (_omap.ts).
    customTags: (tags) => [bigintTag, undefinedTag, ...tags, dateTag, timestampTag, omapReadTag, 'omap', 'set', binaryTag, unsupportedTag, ...refTags((refs) => count(refs))],
    // Repeated objects are written out again, not as anchors: yaml counts every alias use
    // against maxAliasCount when reading, so a payload with many repeats would not read back.
    aliasDuplicateObjects: false,
    flowCollectionPadding: false,
    // No folding: a long `!refs` list stays on one line instead of one key per line, and long
    // strings travel as they are.
    lineWidth: 0,
    uniqueKeys: false, // checked in linear time by parseYaml
    keepUndefined: true, // written as !undefined
  };

  return {
    name: 'yaml',
    maxBytes: YAML_MAX_BYTES,
    encode(value) {
      // A Document made of undefined is an empty one, which reads back as null.
      if (value === undefined) return '!undefined\n';
      return new Document(value, yamlOptions).toString(yamlOptions);
    },
    decode(wire, limits) {
      checkWire('yaml', wire, 'string');
      let doc: ReturnType<typeof parseYaml>;
      const counter = limitedCount(limits);
      count = counter.count;
      try {
        doc = parseYaml(wire, yamlOptions, { maxDepth: parseDepth(limits), maxAliases: maxAliasCount });
      } catch (cause) {
        throw wireError('yaml', cause);
      } finally {
        count = () => true;
      }
      counter.check();
      try {
        return doc.toJS({ maxAliasCount });
      } catch (cause) {
        if (cause instanceof ReferenceError && /alias/i.test(cause.message)) {
          throw new CerealError('LIMIT', `[yaml] the document uses aliases more than maxAliasCount ${maxAliasCount} times`, { cause });
        }
        throw wireError('yaml', cause);
      }
    },
  };
}

/**
 * The ref count of one decode, for the tags: it answers false once over maxRefs (a tag cannot
 * throw through yaml's Composer), and `check` then throws the LIMIT error.
 */
function limitedCount(limits: DecodeOptions | undefined): { count: RefCount; check(): void } {
  const counter = refCounter('yaml', limits);
  let over: unknown;
  return {
    count(refs) {
      if (over !== undefined) return false;
      try {
        counter(refs);
        return true;
      } catch (err) {
        over = err;
        return false;
      }
    },
    check() {
      if (over !== undefined) throw over;
    },
  };
}
