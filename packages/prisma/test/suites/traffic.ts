/**
 * What the database saw, read where Prisma hands its statements to the driver adapter: a
 * pass-through wrapper of the adapter factory tells listeners each statement as it is sent,
 * with its bound values, and the rows it returned. (Prisma's own `query` log event carries no
 * row count, and its params are a JSON rendering, integers beyond 32 bits as strings.)
 */
import type { Traffic } from '@cereal/testkit';
import type { AdapterFactory } from './clients.js';

interface Query {
  sql: string;
  args: unknown[];
}

export interface Sent {
  sql: string;
  /** The bound values, without the `LIMIT ? OFFSET ?` or `OFFSET $n` Prisma adds to every findMany. */
  bindings: unknown[];
}

type Listener = { sent(statement: Sent): void; received(rows: number): void };

/** `target` with `overrides` in place of some methods; the others called on `target` itself (private fields). */
function around<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, property) {
      if (typeof property === 'string' && Object.hasOwn(overrides, property)) return overrides[property];
      const value: unknown = Reflect.get(t, property, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** The bound values a statement was sent with, less the paging Prisma adds to every findMany. */
function bindingsOf(query: Query): unknown[] {
  const paging = /\bLIMIT \? OFFSET \?\s*$/i.test(query.sql) ? 2 : /\bOFFSET \$\d+\s*$/i.test(query.sql) ? 1 : 0;
  return query.args.slice(0, query.args.length - paging);
}

/** Statements sent through the adapters it wrapped, to whoever listens. */
export class Recorder {
  readonly #listeners = new Set<Listener>();

  #queryable<T extends object>(queryable: T, more: Record<string, unknown> = {}): T {
    const q = queryable as unknown as { queryRaw(query: Query): Promise<{ rows: unknown[] }>; executeRaw(query: Query): Promise<number> };
    const send = async <R>(query: Query, run: () => Promise<R>, rows: (result: R) => number): Promise<R> => {
      for (const listener of this.#listeners) listener.sent({ sql: query.sql, bindings: bindingsOf(query) });
      const result = await run();
      for (const listener of this.#listeners) listener.received(rows(result));
      return result;
    };
    return around(queryable, {
      queryRaw: (query: Query) => send(query, () => q.queryRaw(query), (result) => result.rows.length),
      executeRaw: (query: Query) => send(query, () => q.executeRaw(query), () => 0),
      ...more,
    });
  }

  /** `factory`, recording what every adapter and transaction it makes sends. */
  wrap(factory: AdapterFactory): AdapterFactory {
    return around(factory, {
      connect: async () => {
        const adapter = (await factory.connect()) as object & { startTransaction(...args: unknown[]): Promise<object> };
        return this.#queryable(adapter, { startTransaction: async (...args: unknown[]) => this.#queryable(await adapter.startTransaction(...args)) });
      },
    });
  }

  /** Watches the statements sent during `fn`. */
  async watch<T>(fn: () => Promise<T>): Promise<[T, Traffic & { sql: string[] }]> {
    const seen: Traffic & { sql: string[] } = { statements: 0, bindings: [], rows: 0, sql: [] };
    const listener: Listener = {
      sent: ({ sql, bindings }) => {
        seen.statements++;
        seen.sql.push(sql);
        seen.bindings.push(...bindings);
      },
      received: (rows) => void (seen.rows += rows),
    };
    this.#listeners.add(listener);
    try {
      return [await fn(), seen];
    } finally {
      this.#listeners.delete(listener);
    }
  }
}
