/**
 * The Prisma models of the tables the suites create. The testkit creates its tables with Knex,
 * under names unique to each run (`cereal_<pid>_<random><suffix>_users`) that it picks in a
 * suite's `before`, after the loader's handle was opened; a Prisma schema names its tables when
 * it is generated. So each table the suites create has a *role* (`loader_users`,
 * `server_users`…), read off its name, and each role a model, whose `@@map` is filled in with
 * the run's table name when a client is built for it (see clients.ts).
 */

export type Provider = 'sqlite' | 'postgresql' | 'mysql';

interface Field {
  name: string;
  type: 'Int' | 'BigInt' | 'String' | 'DateTime' | 'Bytes' | 'Decimal';
  /** `@map`: the column, where it is not the field's name. */
  column?: string;
  optional?: boolean;
  id?: boolean;
  /** A native type, by provider (SQLite has none). */
  native?: Partial<Record<Provider, string>>;
}

interface ModelSpec {
  fields: Field[];
  /** `@@id([…])`, for a composite key. */
  id?: string[];
}

const int = (name: string, more: Partial<Field> = {}): Field => ({ name, type: 'Int', ...more });
const text = (name: string, more: Partial<Field> = {}): Field => ({ name, type: 'String', ...more });
const orders: ModelSpec = { fields: [int('tenant_id'), int('id'), int('total', { optional: true })], id: ['tenant_id', 'id'] };
const namedUsers: ModelSpec = { fields: [int('id', { id: true }), text('name', { optional: true })] };

/**
 * Each role's model, by `<family>_<table>`: the family is the suite's (its table names' suffix),
 * the table the testkit's name for it (`users`, or `users_gone` for `${t.users}_gone`).
 */
export const ROLES: Record<string, ModelSpec> = {
  // testLoader and its keys suite (tables.ts): suffixes '' and 'k'
  loader_users: { fields: [int('id', { id: true }), text('name', { optional: true }), int('visits', { optional: true }), { name: 'deleted_at', type: 'DateTime', optional: true }] },
  loader_orders: orders,
  loader_big: { fields: [{ name: 'id', type: 'BigInt', id: true }, int('visits', { optional: true })] },
  loader_codes: { fields: [text('code', { id: true }), text('label', { optional: true })] },
  loader_pairs: { fields: [int('tenant_id'), text('code'), text('label', { optional: true })], id: ['tenant_id', 'code'] },
  loader_users_gone: { fields: [int('id', { id: true })] },
  // the table has no key: two rows for one id (the schema says what the loader is told)
  loader_users_dupes: namedUsers,
  loader_users_nope: { fields: [int('id', { id: true })] },
  // testServer (server.ts): suffix 's'
  server_users: namedUsers,
  server_orders: orders,
  server_codes: { fields: [text('code', { id: true }), int('n', { optional: true })] },
  server_ids: { fields: [text('id', { id: true, native: { postgresql: 'Uuid' } }), text('label', { optional: true })] },
  server_ids_kinds: {
    fields: [
      { name: 'day', type: 'DateTime', id: true, native: { postgresql: 'Date', mysql: 'Date' } },
      { name: 'at', type: 'DateTime', optional: true },
      { name: 'moment', type: 'DateTime', optional: true },
      { name: 'bytes', type: 'Bytes', optional: true },
    ],
  },
  server_ids_numbers: { fields: [{ name: 'n', type: 'Decimal', id: true, native: { postgresql: 'Decimal(20, 0)', mysql: 'Decimal(20, 0)' } }] },
  // testFaults (faults.ts): suffix 'f'
  faults_users: namedUsers,
  // this package's own suite (prisma.ts): suffix 'x'; fields named apart from their columns
  prisma_people: {
    fields: [
      int('id', { id: true, column: 'person_id' }),
      text('fullName', { column: 'full_name' }),
      int('tenantId', { column: 'tenant_id' }),
      { name: 'deletedAt', type: 'DateTime', column: 'deleted_at', optional: true },
    ],
  },
  prisma_lines: { fields: [int('orderId', { column: 'order_id' }), int('line', { column: 'line_no' }), text('sku')], id: ['orderId', 'line'] },
  prisma_wide: { fields: [{ name: 'id', type: 'BigInt', id: true }, int('small'), { name: 'huge', type: 'BigInt', optional: true }] },
  prisma_prices: { fields: [{ name: 'amount', type: 'Decimal', id: true, native: { postgresql: 'Decimal(12, 2)', mysql: 'Decimal(12, 2)' } }, text('label')] },
  // testReplicas (replicas.ts): suffix 'rep'; a lock_version counter on each
  replicas_users: { fields: [int('id', { id: true }), text('name', { optional: true }), int('lock_version')] },
  replicas_lines: { fields: [int('order_id'), int('line'), text('sku', { optional: true }), int('lock_version')], id: ['order_id', 'line'] },
};

const FAMILIES: Record<string, string> = { '': 'loader', k: 'loader', s: 'server', f: 'faults', x: 'prisma', rep: 'replicas' };

/**
 * The role of a table the suites created, by its name (`schema.table` too), or undefined for a
 * name no suite gives. The random part of a name is six characters (tables.ts).
 */
export function roleOf(table: string): string | undefined {
  const name = table.slice(table.lastIndexOf('.') + 1);
  const match = /^cereal_\d+_[0-9a-z]{6}([a-z]*)_(\w+)$/.exec(name);
  const family = match === null ? undefined : FAMILIES[match[1]!];
  const role = family === undefined ? undefined : `${family}_${match![2]}`;
  return role !== undefined && role in ROLES ? role : undefined;
}

/** A role's model name: `loader_users_gone` is `LoaderUsersGone`, its delegate `loaderUsersGone`. */
export const modelOf = (role: string): string => role.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
export const delegateOf = (role: string): string => {
  const model = modelOf(role);
  return model.charAt(0).toLowerCase() + model.slice(1);
};

/** The `@@map` of a role before a client fills in its table. */
export const placeholder = (role: string): string => `cereal_role_${role}`;

function fieldLine(field: Field, provider: Provider): string {
  const attributes = [
    field.id ? '@id' : '',
    field.column === undefined ? '' : `@map("${field.column}")`,
    field.native?.[provider] === undefined ? '' : `@db.${field.native[provider]}`,
  ].filter((a) => a.length > 0);
  return `  ${field.name} ${field.type}${field.optional ? '?' : ''} ${attributes.join(' ')}`.trimEnd();
}

/** The schema of every role's model for a provider, each mapped to its placeholder table. */
export function schemaOf(provider: Provider): string {
  const models = Object.entries(ROLES).map(([role, spec]) => [
    `model ${modelOf(role)} {`,
    ...spec.fields.map((field) => fieldLine(field, provider)),
    ...(spec.id === undefined ? [] : [`  @@id([${spec.id.join(', ')}])`]),
    `  @@map("${placeholder(role)}")`,
    '}',
  ].join('\n'));
  return [
    'generator client {\n  provider            = "prisma-client"\n  output              = "./client"\n  importFileExtension = "js"\n}',
    `datasource db {\n  provider = "${provider}"\n}`,
    ...models,
  ].join('\n\n') + '\n';
}
