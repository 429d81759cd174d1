import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type DialectAdapter } from 'kysely';

/**
 * A Kysely that compiles as `adapter`'s dialect (SQLite's unless told) and runs nothing: Kysely's
 * DummyDriver answers every statement with no rows, and begins, commits and rolls back without a
 * database. For what needs no server: compiled names, refusals, transactions' bookkeeping.
 */
export function coldKysely(adapter: DialectAdapter = new SqliteAdapter()): Kysely<any> {
  return new Kysely<any>({
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}
