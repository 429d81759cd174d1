/**
 * Prisma clients over the suites' tables. `prisma generate` runs once per provider (and again
 * only when models.ts changes), into the git-ignored test/.generated/<provider>/, over every
 * role's model mapped to a placeholder table. A client for the tables of one run is then built
 * from that generated client's configuration with the run's table names in its `@@map`s: the
 * same `getPrismaClient(config)` of Prisma's runtime that the generated code calls, with the
 * same compiled query engine and parameter graph (which name fields, never tables). Generating
 * per run is not possible: the testkit names its tables after the handle is opened.
 *
 * `prisma generate` offline: Prisma 7 fetches its schema engine from binaries.prisma.sh before
 * generating, though the client generator does not use it; PRISMA_SCHEMA_ENGINE_BINARY points
 * it at a stand-in, CHECKPOINT_DISABLE turns off its update check.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getPrismaClient } from '@prisma/client/runtime/client';
import { modelOf, placeholder, schemaOf, type Provider } from './models.js';

const GENERATED = new URL('../.generated/', import.meta.url);
const PRISMA = fileURLToPath(new URL('../../node_modules/.bin/prisma', import.meta.url));

/** A driver adapter factory, as PrismaClient takes it (`new PrismaPg(pool)`). */
export interface AdapterFactory {
  readonly provider: string;
  readonly adapterName: string;
  connect(): Promise<unknown>;
}

/** A model delegate, as the suites use it. */
export interface Delegate {
  findMany(args?: object): Promise<Record<string, unknown>[]>;
  create(args: { data: Record<string, unknown> }): Promise<unknown>;
}

/** A Prisma client (or a transaction's) over the suites' models, untyped: the models are the roles'. */
export interface Client {
  [delegate: string]: unknown;
  $queryRawUnsafe(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  $transaction<T>(fn: (tx: Client) => Promise<T>, options?: { timeout?: number; maxWait?: number }): Promise<T>;
  $disconnect(): Promise<void>;
}

export type ClientClass = new (options: { adapter: AdapterFactory }) => Client;

type Config = Parameters<typeof getPrismaClient>[0];

/** Runs `prisma generate` for the provider's schema unless the generated client is current. */
function generate(provider: Provider): URL {
  const dir = new URL(`${provider}/`, GENERATED);
  const schema = schemaOf(provider);
  const done = new URL('schema.generated', dir);
  if (existsSync(done) && readFileSync(done, 'utf8') === schema) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('schema.prisma', dir), schema);
  execFileSync(PRISMA, ['generate', '--schema', fileURLToPath(new URL('schema.prisma', dir))], {
    cwd: fileURLToPath(dir),
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    stdio: 'pipe',
  });
  writeFileSync(done, schema);
  return dir;
}

/** What `getPrismaClient` is called with by the client generated for `provider`. */
async function templateOf(provider: Provider): Promise<Config> {
  const dir = generate(provider);
  const { PrismaClient } = (await import(new URL('client/client.js', dir).href)) as { PrismaClient: ClientClass };
  // Never connected: only its configuration is read.
  const template = new PrismaClient({ adapter: { provider: provider === 'postgresql' ? 'postgres' : provider, adapterName: 'template', connect: () => Promise.reject(new Error('template')) } }) as unknown as {
    _engineConfig: Config;
    _previewFeatures: string[];
    _clientVersion: string;
    _activeProvider: string;
    _runtimeDataModel: Config['runtimeDataModel'];
  };
  const engine = template._engineConfig;
  let wasm: Promise<unknown> | undefined;
  return {
    previewFeatures: template._previewFeatures,
    clientVersion: template._clientVersion,
    engineVersion: 'unknown',
    activeProvider: template._activeProvider,
    inlineSchema: engine.inlineSchema,
    runtimeDataModel: template._runtimeDataModel,
    parameterizationSchema: engine.parameterizationSchema,
    // One compiled query engine module for every client of the run.
    compilerWasm: engine.compilerWasm === undefined ? undefined : { ...engine.compilerWasm, getQueryCompilerWasmModule: () => (wasm ??= engine.compilerWasm!.getQueryCompilerWasmModule()) },
  } as Config;
}

const ready = new Map<Provider, Config>();

/** Generates (or finds) the provider's client: call it before the suites, it takes a second or two. */
export async function loadClients(provider: Provider): Promise<void> {
  if (!ready.has(provider)) ready.set(provider, await templateOf(provider));
}

/**
 * A PrismaClient class whose role models are mapped to `tables` (role → table); roles not in it
 * keep their placeholder, a table that does not exist.
 */
export function clientClass(provider: Provider, tables: ReadonlyMap<string, string>): ClientClass {
  const config = ready.get(provider);
  if (config === undefined) throw new Error(`call loadClients('${provider}') before the suites`);
  let schema = config.inlineSchema;
  const dataModel = structuredClone(config.runtimeDataModel) as { models: Record<string, { dbName: string | null }> };
  for (const [role, table] of tables) {
    schema = schema.replace(`@@map("${placeholder(role)}")`, `@@map("${table}")`);
    dataModel.models[modelOf(role)]!.dbName = table;
  }
  return getPrismaClient({ ...config, inlineSchema: schema, runtimeDataModel: dataModel as Config['runtimeDataModel'] }) as unknown as ClientClass;
}
