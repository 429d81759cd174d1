/**
 * The Prisma loader as the testkit's suites take it (LoaderTarget). The handle a suite opens is
 * a PrismaDb: Prisma clients over the tables created so far through the suite's fixtures
 * connection, built when a loader or a transaction needs them (see clients.ts), or the client
 * of an interactive transaction. The loaders under test are prismaLoader's, on those clients.
 */
import type { Knex } from 'knex';
import type { AfterCommitDatabase, AfterCommitTarget, LoaderTarget, OpenOptions, Served, ServerTarget, TableSpec, TestedLoader, Traffic } from '@cereal/testkit';
import { afterCommit, prismaLoader, prismaLoaders, transaction } from '../../src/index.js';
import { clientClass, loadClients, type AdapterFactory, type Client, type Delegate } from './clients.js';
import { delegateOf, roleOf, type Provider } from './models.js';
import { Recorder } from './traffic.js';

/** The tables created through each fixtures connection, by role, as Knex's query events tell them. */
const created = new WeakMap<Knex, Map<string, string>>();

/** `f`, with the tables created through it recorded. */
export function recordTables(f: Knex): Knex {
  const tables = new Map<string, string>();
  f.on('query', ({ sql }: { sql: string }) => {
    const name = /^create table [`"]([^`"]+)[`"]/i.exec(sql)?.[1];
    const role = name === undefined ? undefined : roleOf(name);
    if (role !== undefined) tables.set(role, name!);
  });
  created.set(f, tables);
  return f;
}

const bare = (table: string): string => table.slice(table.lastIndexOf('.') + 1);

function roleFor(table: string): string {
  const role = roleOf(table);
  if (role === undefined) throw new Error(`no Prisma model for table ${table}: add its role to models.ts`);
  return role;
}

/** One handle's clients: one pool (on the servers), and a client per set of tables it has been asked for. */
export class World {
  readonly recorder = new Recorder();
  readonly #clients: Client[] = [];
  #current: { client: Client; tables: Map<string, string> } | undefined;

  constructor(
    readonly provider: Provider,
    readonly fixtures: Knex,
    readonly adapter: () => AdapterFactory,
    readonly end: () => Promise<void>,
  ) {}

  /** A client mapping every table created through the fixtures so far, and `table`; the current one when it does. */
  client(table?: string): { client: Client; tables: ReadonlyMap<string, string> } {
    const tables = new Map(created.get(this.fixtures) ?? []);
    if (table !== undefined) tables.set(roleFor(table), bare(table));
    const current = this.#current;
    if (current !== undefined && [...tables].every(([role, name]) => current.tables.get(role) === name)) return current;
    for (const [role, name] of current?.tables ?? []) if (!tables.has(role)) tables.set(role, name);
    const Client = clientClass(this.provider, tables);
    const client = new Client({ adapter: this.recorder.wrap(this.adapter()) });
    this.#clients.push(client);
    this.#current = { client, tables };
    return this.#current;
  }

  async close(): Promise<void> {
    try {
      for (const client of this.#clients) await client.$disconnect().catch(() => undefined);
    } finally {
      await this.end();
    }
  }
}

/** The loaders' handle: a world of clients, or the client of a transaction in one. */
export interface PrismaDb {
  readonly world: World;
  readonly tx?: { client: Client; tables: ReadonlyMap<string, string> };
}

/** The client `db` loads `table` through: the transaction's, or one of the world's. */
export function clientFor(db: PrismaDb, table: string): Client {
  if (db.tx === undefined) return db.world.client(table).client;
  if (db.tx.tables.get(roleFor(table)) !== bare(table)) throw new Error(`table ${table} was created after the transaction began: its client has no model for it`);
  return db.tx.client;
}

/** A TableSpec as prismaLoader's options: its model, and the fields named as the testkit's columns. */
const optionsOf = (spec: TableSpec) => ({ model: delegateOf(roleFor(spec.table)), primaryKey: spec.primaryKey, fields: spec.columns, chunkSize: spec.chunkSize, version: spec.version });

/** prismaLoader over the model of a testkit table. */
export function loaderOf(db: PrismaDb, spec: TableSpec): TestedLoader {
  const load = prismaLoader as unknown as (db: object, options: object) => TestedLoader;
  return load(clientFor(db, spec.table), optionsOf(spec));
}

/** prismaLoaders over `{ primary, replica }`: on each side, one client with the models of every spec's table. */
function replicaLoadersOf(primary: PrismaDb, replica: PrismaDb, specs: Record<string, TableSpec>, onServed?: (event: Served) => void): Record<string, TestedLoader> {
  const clientOf = (db: PrismaDb): Client => Object.values(specs).reduce<Client | undefined>((_, spec) => clientFor(db, spec.table), undefined) ?? db.world.client().client;
  const load = prismaLoaders as unknown as (db: object, models: object) => Record<string, TestedLoader>;
  const pair = { primary: clientOf(primary), replica: clientOf(replica) };
  return load(onServed === undefined ? pair : { ...pair, onServed }, Object.fromEntries(Object.entries(specs).map(([model, spec]) => [model, optionsOf(spec)])));
}

const ROLLBACK = new Error('rollback');

/** What differs between databases: the fixtures, the adapter for open's options, the pool's end. */
export interface Connector {
  provider: Provider;
  fixtures(): Knex;
  /** A pool for a handle on the fixtures' database (none on SQLite), an adapter factory over it, and how to end it. */
  pool(options: OpenOptions | undefined, fixtures: Knex): { adapter: () => AdapterFactory; end: () => Promise<void> };
}

export function prismaTarget(name: string, connector: Connector, schema: string, timeoutMessage?: RegExp): LoaderTarget<PrismaDb> {
  return {
    name: `prisma/${name}`,
    schema,
    fixtures: () => recordTables(connector.fixtures()),
    open: (f, options) => {
      const { adapter, end } = connector.pool(options, f);
      return { world: new World(connector.provider, f, adapter, end) };
    },
    close: (db) => db.world.close(),
    loader: loaderOf,
    replicaLoaders: replicaLoadersOf,
    rollback: (db, fn) => {
      const { client, tables } = db.world.client();
      return client
        .$transaction(async (tx) => {
          await fn({ world: db.world, tx: { client: tx, tables } }, async (table, row) => void (await (tx[delegateOf(roleFor(table))] as Delegate).create({ data: row })));
          throw ROLLBACK;
        }, { timeout: 30_000, maxWait: 10_000 })
        .catch((err: unknown) => {
          if (err !== ROLLBACK) throw err;
        });
    },
    watch: <T>(db: PrismaDb, fn: () => Promise<T>): Promise<[T, Traffic]> => db.world.recorder.watch(fn),
    ...(timeoutMessage === undefined ? {} : { timeoutMessage }),
  };
}

/** What a server's test file says about it: how to find and kill a connection. */
export interface ServerAccess {
  /** The statement that returns the connection's id as `id`. */
  connectionIdSql: string;
  kill(admin: Knex, id: number): Promise<void>;
}

export function prismaServerTarget(target: LoaderTarget<PrismaDb>, access: ServerAccess): ServerTarget<PrismaDb> {
  const idOf = async (client: Client): Promise<number> => Number((await client.$queryRawUnsafe(access.connectionIdSql))[0]!.id);
  return {
    ...target,
    connectionId: (db) => idOf(db.world.client().client),
    transactionId: (trx) => idOf(trx.tx!.client),
    kill: access.kill,
  };
}

/** The Prisma provider of each database the afterCommit suites run on. */
export const providerOf: Record<AfterCommitDatabase['kind'], Provider> = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' };

/**
 * Prisma's afterCommit as the testkit's suite takes it (AfterCommitTarget): a client over the
 * suite's table (its `server_users` model), on the driver adapter `adapter()` gives. Rows are
 * written with raw SQL, into whichever table; Prisma has no explicit rollback.
 */
export function prismaAfterCommitTarget(database: AfterCommitDatabase, adapter: () => { adapter: AdapterFactory; end(): Promise<void> }): AfterCommitTarget<Client> {
  const provider = providerOf[database.kind];
  const quote = provider === 'mysql' ? '`' : '"';
  const ends = new WeakMap<object, () => Promise<void>>();
  return {
    database,
    library: 'prisma',
    open: async (table) => {
      await loadClients(provider);
      const { adapter: factory, end } = adapter();
      const prisma = new (clientClass(provider, new Map([['server_users', table]])))({ adapter: factory });
      ends.set(prisma, end);
      return prisma;
    },
    close: async (prisma) => {
      await prisma.$disconnect();
      await ends.get(prisma)!();
    },
    afterCommit,
    transaction: (prisma, body) => transaction(prisma, async (tx) => body(tx), { timeout: 10_000 }),
    savepoint: (tx, body) => transaction(tx, async (inner) => body(inner)),
    insert: (tx, table, id) => (tx as Client & { $executeRawUnsafe(sql: string): Promise<number> }).$executeRawUnsafe(`insert into ${quote}${table}${quote} (id) values (${Number(id)})`),
    foreign: (prisma, body) => prisma.$transaction(async (tx) => body(tx)),
  };
}
