/**
 * What the loader reads off a Prisma client: its provider, its models as the schema maps them,
 * the schema it was generated from, and whether it is an interactive transaction's client.
 * Prisma documents none of it; these are the fields its runtime (7.x) keeps on every client,
 * extended (`$extends`) and transaction clients included. Each is read defensively: a client
 * without one is refused by name, or the loader asks for the option it could not read.
 */

/** A field of a model in Prisma's runtime data model. */
export interface ModelField {
  readonly name: string;
  /** `scalar`, `enum`, `object` (a relation)… */
  readonly kind: string;
  /** `Int`, `BigInt`, `String`, `Decimal`, `DateTime`… */
  readonly type: string;
  /** The column, when `@map` names one. */
  readonly dbName?: string | null;
}

/** A model in Prisma's runtime data model. */
export interface Model {
  readonly fields: readonly ModelField[];
  /** The table, when `@@map` names one. */
  readonly dbName?: string | null;
  /** The schema, when `@@schema` names one. */
  readonly schema?: string | null;
}

interface RuntimeClient {
  _activeProvider?: unknown;
  _runtimeDataModel?: { models?: Record<string, Model> };
  _engineConfig?: { inlineSchema?: unknown; adapter?: Adapter };
  $queryRawUnsafe?: unknown;
  $connect?: unknown;
}

/** A driver adapter factory (`new PrismaPg(pool)`), as the client keeps it. */
export interface Adapter {
  readonly provider?: string;
  readonly adapterName?: string;
  /** PrismaPg: the pool's config (`connectionTimeoutMillis`). */
  readonly config?: { connectionTimeoutMillis?: number };
  /** PrismaPg: its options (`schema`). */
  readonly options?: { schema?: string };
}

/** A Prisma client as the loader sees it. */
export interface ClientInfo {
  /** `sqlite`, `postgresql`, `mysql`, `sqlserver`, `cockroachdb`, `mongodb`. */
  readonly provider: string | undefined;
  readonly adapter: Adapter | undefined;
  readonly models: Readonly<Record<string, Model>>;
  /** The schema the client was generated from, as text. */
  readonly schema: string | undefined;
  readonly inTransaction: boolean;
}

// Where Prisma 7 marks the client of an interactive transaction: `{ kind: 'nested', txId, … }`.
const SCOPE = Symbol.for('prisma.client.transaction.scope_context');

/** True for something that looks like a Prisma client: model delegates and raw queries. */
export function isClient(db: unknown): boolean {
  return db !== null && typeof db === 'object' && typeof (db as RuntimeClient).$queryRawUnsafe === 'function' && typeof (db as RuntimeClient)._runtimeDataModel === 'object';
}

export function clientInfo(db: object): ClientInfo {
  const client = db as RuntimeClient & Record<symbol, unknown>;
  const scope = client[SCOPE] as { kind?: unknown } | undefined;
  const provider = client._activeProvider;
  const schema = client._engineConfig?.inlineSchema;
  return {
    provider: typeof provider === 'string' ? provider : undefined,
    adapter: client._engineConfig?.adapter ?? undefined,
    models: client._runtimeDataModel?.models ?? {},
    schema: typeof schema === 'string' ? schema : undefined,
    // A transaction's client also lacks $connect (Prisma leaves it out, with $on and $extends).
    inTransaction: scope?.kind === 'nested' || typeof client.$connect !== 'function',
  };
}

/**
 * The model behind a delegate (`prisma.orderLine` is `OrderLine`): the delegate's own `$name`
 * where Prisma sets it, else the delegate name with its first letter capitalized, as Prisma
 * derives one from the other.
 */
export function modelNameOf(delegate: unknown, name: string): string {
  const own = (delegate as { $name?: unknown } | null)?.$name;
  return typeof own === 'string' && own.length > 0 ? own : name.charAt(0).toUpperCase() + name.slice(1);
}
