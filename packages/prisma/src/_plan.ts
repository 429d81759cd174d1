import type { PrimaryKey } from '@cereal/core';
import { chunkSizeOf, invalidOption, type SqlSource, type SqlTable } from '@cereal/sql';
import { catalogRows } from './_catalog.js';
import { clientInfo, isClient, modelNameOf, type ClientInfo, type Model } from './_client.js';
import { prismaDialect } from './_dialect.js';
import { exposed, unwrap } from './_errors.js';
import { idFields } from './_ids.js';
import { refused } from './_refused.js';
import { connectionTimeout } from './_timeout.js';
import { fieldValue, KEY_TYPES, RETURNS, type FieldValue } from './_values.js';

type Row = Record<string, unknown>;
type Delegate = { findMany(args: object): Promise<Row[]> };

/** prismaLoader's options as they arrive at run time, whatever the types said. */
export interface RawOptions {
  model: unknown;
  primaryKey?: unknown;
  fields?: unknown;
  scope?: unknown;
  chunkSize?: unknown;
  version?: unknown;
}

/** What a loader reads: the table as the shared loader sees it, and the key fields' types. */
export interface Plan {
  table: SqlTable;
  source: SqlSource<Row>;
  /** True when a key field is a Decimal, which Prisma returns as an object: keyOf reads its text. */
  decimalKey: boolean;
}

const EXAMPLE = "prismaLoader(prisma, { model: 'user' })";

/** The delegate `options.model` names on `db`, and its model in the runtime data model. */
function modelOf(db: object, info: ClientInfo, model: unknown): { delegate: Delegate; name: string; meta: Model } {
  if (typeof model !== 'string' || model.length === 0) throw invalidOption('prisma', `\`model\` must name a model's delegate on the client, e.g. ${EXAMPLE} for prisma.user`);
  const delegate = (db as Record<string, unknown>)[model];
  if (model.startsWith('$') || typeof (delegate as Partial<Delegate> | undefined)?.findMany !== 'function') {
    throw invalidOption('prisma', `the client has no model delegate \`${model}\`: \`model\` names one as the client has it, e.g. ${EXAMPLE} for prisma.user`);
  }
  const name = modelNameOf(delegate, model);
  const meta = info.models[name];
  if (meta === undefined || !Array.isArray(meta.fields)) throw invalidOption('prisma', `the client has no runtime data model for model \`${name}\` (prisma.${model}): is it a Prisma 7 client?`);
  return { delegate: delegate as Delegate, name, meta };
}

/** `primaryKey` as field names: given, or the model's @id / @@id, or `id`. */
function keyFieldsOf(info: ClientInfo, name: string, meta: Model, table: string, primaryKey: unknown): string[] {
  if (primaryKey === undefined) {
    const declared = info.schema === undefined ? undefined : idFields(info.schema, name);
    if (declared !== undefined) return declared;
    if (meta.fields.some((f) => f.name === 'id')) return ['id'];
    throw invalidOption('prisma', `table \`${table}\`: the id of model \`${name}\` could not be read from the client; set \`primaryKey\` to its id field, or fields for a composite key`);
  }
  const list = typeof primaryKey === 'string' ? [primaryKey] : primaryKey;
  if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f.length > 0)) {
    throw invalidOption('prisma', `\`primaryKey\` of table \`${table}\` must be a field name of model \`${name}\` or an array of them`);
  }
  if (new Set(list).size !== list.length) throw invalidOption('prisma', `\`primaryKey\` of table \`${table}\` names a field twice`);
  return [...(list as string[])];
}

/**
 * prismaLoader's options checked (anything wrong is `INVALID_OPTION`) and resolved: the table and
 * key columns as the database names them (`@@map`, `@map`), the fields rows hold them in, and
 * the two statements the shared loader runs, through the client itself.
 */
export function planOf(db: unknown, options: RawOptions): Plan {
  if (!isClient(db)) throw invalidOption('prisma', '`db` must be a Prisma client, or the client of an interactive transaction (`prisma.$transaction(async (tx) => …)`)');
  const client = db as object;
  const info = clientInfo(client);
  const dialect = prismaDialect(info.provider, info.adapter);
  if (dialect === undefined) throw invalidOption('prisma', `the ${info.provider ?? 'unknown'} provider has no SQL tables to load rows from: the loaders take SQLite, PostgreSQL, MySQL/MariaDB and SQL Server clients`);
  if (options === null || typeof options !== 'object') throw invalidOption('prisma', `options must name a model, e.g. ${EXAMPLE}`);
  const { delegate, name, meta } = modelOf(client, info, options.model);
  // PostgreSQL: Prisma puts unqualified models in the adapter's schema, `public` by default.
  const schema = meta.schema ?? (dialect.family === 'postgres' ? info.adapter?.options?.schema ?? 'public' : undefined);
  const dbName = meta.dbName ?? name;
  const table = meta.schema ? `${meta.schema}.${dbName}` : dbName;
  const byName = new Map(meta.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => [f.name, f]));
  const keys = keyFieldsOf(info, name, meta, table, options.primaryKey);
  const values: FieldValue[] = keys.map((key) => {
    const field = byName.get(key);
    if (field === undefined) throw invalidOption('prisma', `table \`${table}\` (model \`${name}\`) has no field \`${key}\`: set \`primaryKey\` to its id field, or fields for a composite key`);
    const value = fieldValue(field.type, field.kind);
    if (value === undefined) {
      const returns = Object.hasOwn(RETURNS, field.type) ? RETURNS[field.type] : undefined;
      throw invalidOption('prisma', `table \`${table}\` (model \`${name}\`) has key field \`${key}\` of type ${field.type}${returns === undefined ? '' : `, which Prisma returns as ${returns}, never a key`}: key fields are ${KEY_TYPES.join(', ')}`);
    }
    return value;
  });
  const chunkSize = chunkSizeOf('prisma', table, dialect, keys.length, options.chunkSize);
  const version = versionFieldOf(options.version, byName, table, name);
  const select = selectOf(options.fields, byName, version === undefined ? keys : [...keys, version], table, name);
  const scope = options.scope;
  if (scope !== undefined && (scope === null || typeof scope !== 'object' || Array.isArray(scope))) {
    throw invalidOption('prisma', `\`scope\` of table \`${table}\` must be a where object of model \`${name}\`, e.g. { deletedAt: null }`);
  }
  const resolved: SqlTable = {
    table,
    path: schema === undefined ? [dbName] : [schema, dbName],
    keys: keys.map((key) => byName.get(key)!.dbName ?? key),
    fields: keys,
    chunkSize,
    // The row property: Prisma returns rows by field name (`updatedAt`), whatever `@map` says.
    ...(version === undefined ? {} : { version }),
  };
  const source: SqlSource<Row> = {
    library: 'prisma',
    dialect,
    notFound: `the database has no table for model \`${name}\`: apply your migrations (\`prisma migrate deploy\`), and check the model's \`@@map\` (and \`@@schema\`)`,
    inTransaction: info.inTransaction,
    // Prisma reads BigInt fields as exact bigints, and fails an Int beyond 2^53 (P2023), never rounds.
    splitsWide: false,
    async catalog(statement) {
      try {
        return await catalogRows(client, dialect.family, statement);
      } catch (err) {
        throw exposed(err);
      }
    },
    async select(pks) {
      const where = keyWhere(pks, keys, values);
      if (where === undefined) return [];
      try {
        return await delegate.findMany({ where: scope === undefined ? where : { AND: [where, scope] }, ...(select === undefined ? {} : { select }) });
      } catch (err) {
        throw exposed(err);
      }
    },
    explain: (err) => connectionTimeout(err, info.adapter, table) ?? unwrap(err) ?? refused(err, table),
  };
  return { table: resolved, source, decimalKey: keys.some((key) => byName.get(key)!.type === 'Decimal') };
}

/** What Prisma returns for these field types is a version: a number, a bigint, text or a Date. */
const VERSION_TYPES = ['Int', 'BigInt', 'Float', 'String', 'DateTime'];

/** `version` checked: undefined, or a scalar field of the model of a type Prisma returns a version for. */
function versionFieldOf(version: unknown, byName: ReadonlyMap<string, { type: string; kind: string }>, table: string, name: string): string | undefined {
  if (version === undefined) return undefined;
  // a field name, as Prisma keys its rows (@cereal/sql's versionColumn asks for a column's)
  if (typeof version !== 'string' || version.length === 0) throw invalidOption('prisma', `\`version\` of table \`${table}\` must be a field name of model \`${name}\`, e.g. 'updatedAt'`);
  const field = version;
  const meta = byName.get(field);
  if (meta === undefined) throw invalidOption('prisma', `\`version\` of table \`${table}\`: model \`${name}\` has no field \`${field.slice(0, 64)}\`; name a field, e.g. 'updatedAt'`);
  if (meta.kind !== 'scalar' || !VERSION_TYPES.includes(meta.type)) {
    throw invalidOption('prisma', `\`version\` of table \`${table}\`: field \`${field}\` of model \`${name}\` is ${meta.kind === 'enum' ? 'an enum' : `of type ${meta.type}`}; a version field is ${VERSION_TYPES.join(', ')}`);
  }
  return field;
}

/** `fields` as Prisma's select, with the key fields; undefined for every field. */
function selectOf(fields: unknown, byName: ReadonlyMap<string, unknown>, keys: readonly string[], table: string, name: string): Record<string, true> | undefined {
  if (fields === undefined) return undefined;
  const bad: unknown = Array.isArray(fields) ? fields.find((f) => typeof f !== 'string' || !byName.has(f)) : undefined;
  if (!Array.isArray(fields) || bad !== undefined) {
    // a field the model lacks is named; `fields: 'fullName'` is a string, not a missing field
    const named = typeof bad === 'string' ? ` (model \`${name}\` has no field \`${bad.slice(0, 64)}\`)` : '';
    throw invalidOption('prisma', `\`fields\` of table \`${table}\` must be an array of field names of model \`${name}\`${named}`);
  }
  return Object.fromEntries([...(fields as string[]), ...keys].map((f) => [f, true]));
}

/**
 * The where of one chunk: `{ id: { in: […] } }`, or for a composite key an `OR` of one object
 * per key (Prisma has no tuple `IN`). Each part converted as its field's type takes it; a key
 * with a part no value of that type equals is left out. Undefined when no key is left.
 */
function keyWhere(pks: readonly PrimaryKey[], keys: readonly string[], values: readonly FieldValue[]): object | undefined {
  if (keys.length === 1) {
    const value = values[0]!;
    const list = pks.map((pk) => value(pk as never)).filter((v) => v !== undefined);
    return list.length === 0 ? undefined : { [keys[0]!]: { in: list } };
  }
  const or: Record<string, unknown>[] = [];
  for (const pk of pks) {
    const parts = pk as readonly never[];
    const entries: [string, unknown][] = [];
    let ok = true;
    for (let i = 0; i < keys.length && ok; i++) {
      const v = values[i]!(parts[i]!);
      ok = v !== undefined;
      entries.push([keys[i]!, v]);
    }
    // fromEntries defines each field as its own property: an assignment to a field named
    // `__proto__` would set the prototype instead, and the key would lose that part
    if (ok) or.push(Object.fromEntries(entries));
  }
  return or.length === 0 ? undefined : { OR: or };
}

