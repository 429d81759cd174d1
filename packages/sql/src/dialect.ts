/** The database families whose catalogs and limits the loaders know. */
export type SqlFamily = 'sqlite' | 'postgres' | 'mysql' | 'other';

/** What the loaders need to know about the database behind a handle. */
export interface SqlDialect {
  readonly family: SqlFamily;
  /** Driver name (`better-sqlite3`, `pg`, `mysql2`…), in messages. */
  readonly driver: string;
  /** Most bound parameters one statement may carry. */
  readonly maxParams: number;
  /** Most keys of a composite key per statement, where the server cannot take maxParams of them. */
  readonly maxTuples?: number;
}

const BY_DRIVER: Record<string, SqlDialect> = {
  'better-sqlite3': { family: 'sqlite', driver: 'better-sqlite3', maxParams: 32766 }, // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32, which better-sqlite3 12 bundles
  sqlite3: { family: 'sqlite', driver: 'sqlite3', maxParams: 999 },
  // PostgreSQL expands `(a, b) IN ((…), …)` recursively: 10 000 pairs exceed its default
  // max_stack_depth ("stack depth limit exceeded"), 5 000 do not.
  pg: { family: 'postgres', driver: 'pg', maxParams: 65535, maxTuples: 2000 },
  mysql2: { family: 'mysql', driver: 'mysql2', maxParams: 65535 },
  mysql: { family: 'mysql', driver: 'mysql', maxParams: 65535 },
  mssql: { family: 'other', driver: 'mssql', maxParams: 2100 },
};

/** The dialect of a driver by its name; an unknown driver gets a conservative default. */
export function dialectOf(driver: string): SqlDialect {
  // own: a driver named `toString` or `__proto__` is an unknown one, not Object.prototype's
  return (Object.hasOwn(BY_DRIVER, driver) ? BY_DRIVER[driver] : undefined) ?? { family: 'other', driver, maxParams: 999 };
}
