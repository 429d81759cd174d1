import { CerealError, type Format } from '@cereal/core';
import { defineFormat } from '@cereal/core/format';
import { dateTag, timestampTag } from './_dates.js';
import { omapReadTag } from './_omap.js';
import { parseYaml } from './_parse.js';
import { binaryTag, undefinedTag, unsupportedTag } from './_values.js';
import { Document, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions, type ToStringOptions } from 'yaml';
import { bigintTag, refTags, type TagReport } from './tags.js';

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

/**
 * The deepest nesting YAML reads, whatever maxDepth a caller passes: yaml's Composer recurses
 * about ten frames per level and overflows the stack near 1000 levels. (core caps maxDepth at
 * 250, below this; the cap stays for a decode called with a context core did not make.)
 */
const YAML_MAX_NESTING = 600;

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
  // The report of the decode in progress, for the ref tags (decoding is synchronous: one decode
  // of this instance runs at a time).
  let report: TagReport | undefined;
  const yamlOptions: Options = {
    version: '1.2',
    schema: 'core',
    // !bigint first, or yaml's int tag would claim bigints and write them as plain numbers.
    // !undefined before yaml's null tag, which would claim undefined as null.
    // The date and binary tags replace yaml's (_dates.ts, _values.ts); the omap tag reads, and
    // yaml's omap, after it, writes (_omap.ts).
    customTags: (tags) => [bigintTag, undefinedTag, ...tags, dateTag, timestampTag, omapReadTag, 'omap', 'set', binaryTag, unsupportedTag, ...refTags(() => report)],
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

  return defineFormat({
    name: 'yaml',
    wire: 'text',
    lists: true,
    maxBytes: YAML_MAX_BYTES,
    encode(value) {
      // A Document made of undefined is an empty one, which reads back as null.
      if (value === undefined) return '!undefined\n';
      return new Document(value, yamlOptions).toString(yamlOptions);
    },
    decode(wire, { maxDepth, countRefs }) {
      const decoding = reportFor(countRefs);
      report = decoding;
      let doc: ReturnType<typeof parseYaml>;
      try {
        doc = parseYaml(wire, yamlOptions, { maxDepth: Math.min(maxDepth, YAML_MAX_NESTING), maxAliases: maxAliasCount }, () => decoding.failure);
      } finally {
        report = undefined;
      }
      if (decoding.failure !== undefined) throw decoding.failure;
      try {
        return doc.toJS({ maxAliasCount });
      } catch (cause) {
        // yaml throws a ReferenceError for too many alias expansions, and for an alias whose
        // anchor does not exist (MALFORMED, through defineFormat).
        if (!(cause instanceof ReferenceError && /excessive alias/i.test(cause.message))) throw cause;
        throw new CerealError('LIMIT', `[yaml] the document's aliases expand more than maxAliasCount ${maxAliasCount} times`, { cause });
      }
    },
  });
}

/** The report of one decode (see TagReport): its ref count, and the first failure of its tags. */
function reportFor(countRefs: (refs: number) => void): TagReport & { failure: CerealError | undefined } {
  const decoding = {
    failure: undefined as CerealError | undefined,
    count(refs: number): boolean {
      if (decoding.failure !== undefined) return false;
      try {
        countRefs(refs);
        return true;
      } catch (err) {
        decoding.failure = err as CerealError;
        return false;
      }
    },
    fail(error: CerealError): void {
      decoding.failure ??= error;
    },
  };
  return decoding;
}
