/**
 * What the Kysely loader adds to the testkit's suites, on every database: `kyselyLoaders`,
 * `chunkSize`, `scope`, `columns`, transactions, a Kysely's plugins and `withSchema`, `prepare()`
 * and its options.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CamelCasePlugin, sql, type Expression, type ExpressionBuilder, type Kysely, type KyselyPlugin, type SqlBool } from 'kysely';
import { CerealError, createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { prepared, rejects, useTables, type LoaderTarget, type TablesContext } from '@cereal/testkit';
import { kyselyLoader, kyselyLoaders, type KyselyLoader } from '../../src/index.js';
import { watch } from './target.js';

type Scope = (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>;

/** A table name of lower-case letters and underscores only: CamelCasePlugin maps it to camelCase and back unchanged. */
const camelSafe = (what: string): string => `cereal_kysely_${Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}_${what}`;
const camelOf = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function testKysely(target: LoaderTarget<Kysely<any>>): void {
  const Kyselys = suite<TablesContext<Kysely<any>>>(`kyselyLoader(${target.name})`, {} as never);
  useTables(Kyselys, target, 'x');

  Kyselys('kyselyLoaders maps model names to tables: one statement per model', async ({ db, t }) => {
    const loaders = await prepared(kyselyLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] } }) as Record<string, KyselyLoader>);
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const [out, seen] = await watch(db, () => cereal.decode(cereal.encode({ u: ref('users', 2), o: ref('orders', [7, 1001]) })));
    assert.equal([out.u.name, out.o.total], ['Grace', 5]);
    assert.is(seen.statements, 2);
  });

  Kyselys('scope hides rows: a soft-deleted row is missing', async ({ db, t }) => {
    const users = kyselyLoader(db, { table: t.users, scope: (eb) => eb('deleted_at', 'is', null) });
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 3)], { users }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['users:3']);
    const out = await hydrate([ref('users', 1), ref('users', 3)], { users }, { missing: 'null' });
    assert.is(out[1], null);
  });

  Kyselys('a scope with or, built or raw, cannot escape the key filter: it is one parenthesized group, and reads only the requested keys', async ({ db, t }) => {
    const scopes: Record<string, Scope> = {
      built: (eb) => eb.or([eb('visits', '>', 100), eb('name', '=', 'Grace'), eb('name', '=', 'Ada')]),
      raw: () => sql<SqlBool>`visits > 100 or name = 'Grace' or name = 'Ada'`,
    };
    for (const [what, scope] of Object.entries(scopes)) {
      const users = await prepared({ users: kyselyLoader(db, { table: t.users, scope }) });
      const [out, seen] = await watch(db, () => hydrate([ref('users', 1), ref('users', 3)], users, { missing: 'null' }));
      assert.is((out[0] as unknown as { name: string }).name, 'Ada', what);
      assert.is(out[1], null, what);
      assert.is(seen.rows, 1, what);
      const [text] = seen.sql;
      // `in (…)`, or on PostgreSQL `= any($1)`: the keys, then the scope as one group
      assert.match(text!, /(?:\bin \([^()]*\)|= any\(\$1\)) and \((?:[^()]|\([^()]*\))* or (?:[^()]|\([^()]*\))*\)$/, `${what}: ${text}`);
    }
  });

  Kyselys('a scope that returns no expression, or throws, is INVALID_OPTION naming the table (never a retryable failure), not a statement without it', async ({ db, t }) => {
    const returned = (what: string) => `[cereal] [kysely] table \`${t.users}\`: \`scope\` must return a where condition built with the expression builder it is given, e.g. (eb) => eb('deleted_at', 'is', null); it returned ${what}`;
    class Condition {}
    const scopes: Record<string, [Scope, string]> = {
      nothing: [(() => undefined) as never, returned('undefined')],
      null: [(() => null) as never, returned('null')],
      text: [(() => 'deleted_at is null') as never, returned('deleted_at is null')],
      object: [(() => ({ deleted_at: null })) as never, returned('a Object')],
      instance: [(() => new Condition()) as never, returned('a Condition')],
      bare: [(() => Object.create(null)) as never, returned('a value')],
      throws: [(() => {
        throw new TypeError('scope bug');
      }) as never, `[cereal] [kysely] table \`${t.users}\`: \`scope\` threw: scope bug`],
    };
    for (const [what, [scope, message]] of Object.entries(scopes)) {
      const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('users', 1)], { users: kyselyLoader(db, { table: t.users, scope }) })));
      assert.is(err.code, 'INVALID_OPTION', `${what}: ${err.message}`);
      assert.is(err.message, message, what);
      if (what === 'throws') assert.instance(err.cause, TypeError);
      assert.ok(seen.sql.every((text) => !/ in \(/.test(text)), `${what}: no select ran`);
    }
    // what cannot be looked at, thrown or returned: INVALID_OPTION all the same, never what a trap threw
    const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); }, has: () => { throw new Error('has trap'); } });
    const thrown = await rejects(() => hydrate([ref('users', 1)], { users: kyselyLoader(db, { table: t.users, scope: () => { throw trap; } }) }));
    assert.is(thrown.code, 'INVALID_OPTION');
    assert.ok(thrown.message.startsWith(`[cereal] [kysely] table \`${t.users}\`: \`scope\` threw: `), thrown.message);
    const looked = await rejects(() => hydrate([ref('users', 1)], { users: kyselyLoader(db, { table: t.users, scope: (() => trap) as never }) }));
    assert.is(looked.code, 'INVALID_OPTION');
    assert.is(looked.message, `[cereal] [kysely] table \`${t.users}\`: \`scope\` returned what cannot be looked at (has trap); it must return a where condition built with the expression builder it is given, e.g. (eb) => eb('deleted_at', 'is', null)`);
    // its own CerealError (a tenant not set) is thrown as it is, not wrapped as the scope's bug
    const own = new CerealError('INVALID_OPTION', 'no tenant in this context');
    const err = await rejects(() => hydrate([ref('users', 1)], { users: kyselyLoader(db, { table: t.users, scope: () => { throw own; } }) }));
    assert.is(err, own);
  });

  Kyselys('composite keys: on PostgreSQL an array per key column through unnest, elsewhere a list of row values; each key gets its own row', async ({ db, t }) => {
    const orders = await prepared({ orders: kyselyLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }) });
    const keys: [number, number][] = [[7, 1001], [7, 1002], [8, 1001], [8, 1002], [1001, 7]];
    const [out, seen] = await watch(db, () => hydrate(keys.map((k) => ref('orders', k)), orders, { missing: 'null' }));
    assert.equal((out as ({ total: number } | null)[]).map((row) => row?.total ?? null), [5, 9, 1, null, null]);
    assert.is(seen.statements, 1);
    if (/postgres/i.test(target.name)) {
      assert.match(seen.sql[0]!, /\("tenant_id", "id"\) in \(select \* from unnest\(\$1::integer\[\], \$2::integer\[\]\)\)$/);
    } else assert.match(seen.sql[0]!, /\) in \(\(/);
    assert.is(seen.bindings.length, 10, 'every part bound once');
  });

  Kyselys('columns selects those columns and the key columns, composite keys too', async ({ db, t }) => {
    const [order] = await kyselyLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'], columns: ['total'] }).load([[7, 1002]]);
    assert.equal(Object.keys(order!).sort(), ['id', 'tenant_id', 'total']);
    assert.is(order!.total, 9);
  });

  Kyselys('on a transaction, kyselyLoaders see its uncommitted writes and updates; after its rollback they are gone', async ({ db, t }) => {
    let inside: unknown[] = [];
    await db.transaction().execute(async (trx) => {
      assert.is(trx.isTransaction, true);
      await trx.insertInto(t.orders).values({ tenant_id: 9, id: 1, total: 99 }).execute();
      await trx.updateTable(t.users).set({ name: 'Ada (pending)' }).where('id', '=', 1).execute();
      const loaders = kyselyLoaders(trx, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] } });
      inside = await hydrate([ref('users', 1), ref('orders', [9, 1])], loaders);
      await trx.deleteFrom(t.orders).where('tenant_id', '=', 9).execute(); // and roll the update back
      throw new Error('rollback');
    }).catch((err: Error) => {
      if (err.message !== 'rollback') throw err;
    });
    assert.equal(inside.map((row) => (row as { name?: string; total?: number }).name ?? (row as { total: number }).total), ['Ada (pending)', 99]);
    const after = await hydrate([ref('users', 1)], { users: kyselyLoader(db, { table: t.users }) });
    assert.is((after[0] as unknown as { name: string }).name, 'Ada');
  });

  Kyselys('prepare() reads the table once, early: a table that does not exist is INVALID_OPTION there', async ({ db, t }) => {
    const nope = kyselyLoader(db, { table: `${t.users}_nope` });
    const err = await rejects(() => nope.prepare());
    assert.is(err.code, 'INVALID_OPTION');
    const users = kyselyLoader(db, { table: t.users });
    await users.prepare();
    const [, seen] = await watch(db, () => users.load([1]));
    assert.is(seen.statements, 1, 'the column types are not read again');
  });

  Kyselys('withSchema is where the loader reads the table: the same name in a schema that lacks it is INVALID_OPTION', async ({ db, t }) => {
    const here = kyselyLoader(db.withSchema(target.schema), { table: t.users });
    assert.is((await here.load([2]))[0]?.name, 'Grace');
    // a schema every database has, without the suite's tables: SQLite's temp, the others' information_schema
    const elsewhere = kyselyLoader(db.withSchema(target.schema === 'main' ? 'temp' : 'information_schema'), { table: t.users });
    const err = await rejects(() => elsewhere.prepare());
    assert.is(err.code, 'INVALID_OPTION', err.message);
  });

  Kyselys('a version column the table lacks is INVALID_OPTION at prepare(), in kysely\'s words', async ({ db, t }) => {
    const err = await rejects(() => kyselyLoader(db, { table: t.users, version: 'nope' }).prepare());
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.message, `[cereal] [kysely] table \`${t.users}\` has no column \`nope\`, the loader's \`version\`: name a column every write moves forward (\`updated_at\`, \`lock_version\`)`);
  });

  Kyselys('the Kysely\'s plugins shape the rows a loader returns, never the catalog it reads the key types from', async ({ db, t }) => {
    const shout: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => ({ ...result, rows: result.rows.map((row) => Object.fromEntries(Object.entries(row as object).map(([k, v]) => [k.toUpperCase(), v]))) }),
    };
    const users = kyselyLoader(db.withPlugin(shout), { table: t.users });
    await users.prepare();
    assert.equal(Object.keys((await users.load([1]))[0] ?? {}).sort(), Object.keys((await kyselyLoader(db, { table: t.users }).load([1]))[0] ?? {}).map((k) => k.toUpperCase()).sort());
  });

  Kyselys('bad options are INVALID_OPTION, saying [kysely], the table and what it takes', async ({ db, t }) => {
    const table = `table \`${t.users}\``;
    const cases: [() => unknown, string][] = [
      [() => kyselyLoader({} as never, { table: t.users } as never), '`db` must be a Kysely instance or transaction'],
      [() => kyselyLoader(null as never, { table: t.users } as never), '`db` must be a Kysely instance or transaction'],
      [() => kyselyLoader({ selectFrom: db.selectFrom.bind(db) } as never, { table: t.users } as never), '`db` must be a Kysely instance or transaction'],
      [() => kyselyLoader({ getExecutor: db.getExecutor.bind(db) } as never, { table: t.users } as never), '`db` must be a Kysely instance or transaction'],
      [() => kyselyLoader(Object.assign(() => undefined, { selectFrom: db.selectFrom.bind(db), getExecutor: db.getExecutor.bind(db) }) as never, { table: t.users } as never), '`db` must be a Kysely instance or transaction'],
      [() => kyselyLoader(db, { table: '' }), "`table` must be a table name, e.g. kyselyLoader(db, { table: 'users' })"],
      [() => kyselyLoader(db, undefined as never), "`table` must be a table name, e.g. kyselyLoader(db, { table: 'users' })"],
      [() => kyselyLoader(db, { table: t.users, primaryKey: [] }), `\`primaryKey\` of ${table} must be a column name or an array of column names`],
      [() => kyselyLoader(db, { table: t.users, primaryKey: 7 as never }), `\`primaryKey\` of ${table} must be a column name or an array of column names`],
      [() => kyselyLoader(db, { table: t.users, columns: 'name' as never }), `\`columns\` of ${table} must be an array of column names`],
      [() => kyselyLoader(db, { table: t.users, chunkSize: 0 }), `\`chunkSize\` of ${table} must be an integer from 1 to `],
      [() => kyselyLoader(db, { table: t.users, chunkSize: 1e9 }), `\`chunkSize\` of ${table} must be an integer from 1 to `],
      [() => kyselyLoader(db, { table: t.users, chunkSize: 2.5 }), `\`chunkSize\` of ${table} must be an integer from 1 to `],
      [() => kyselyLoader(db, { table: t.users, version: '' }), `\`version\` of ${table} must be a column name, e.g. 'updated_at'`],
      [() => kyselyLoader(db, { table: t.users, scope: 'deleted_at is null' as never }), `\`scope\` of ${table} must be a function of Kysely's expression builder, e.g. (eb) => eb('deleted_at', 'is', null)`],
      [() => kyselyLoaders(db, null as never), "kyselyLoaders takes a map of model names to tables, e.g. { users: 'users' }"],
      [() => kyselyLoaders(db, 'users' as never), "kyselyLoaders takes a map of model names to tables, e.g. { users: 'users' }"],
      [() => kyselyLoaders(db, { users: { table: t.users, chunkSize: -1 } }), `\`chunkSize\` of ${table} must be an integer from 1 to `],
      [() => kyselyLoaders({ primary: db } as never, { users: t.users }), 'a replica-aware loader map takes { primary, replica, onServed? }: `replica` is missing'],
    ];
    for (const [make, message] of cases) {
      const err = await rejects(make);
      assert.is(err.code, 'INVALID_OPTION', make.toString());
      assert.ok(err.message.startsWith(`[cereal] [kysely] ${message}`), `${err.message}\nshould start with\n[cereal] [kysely] ${message}`);
    }
  });

  Kyselys.run();

  testPlugins(target);
}

/** A Kysely's plugins rename tables and columns: CamelCasePlugin. */
function testPlugins(target: LoaderTarget<Kysely<any>>): void {
  const Plugins = suite<TablesContext<Kysely<any>, Record<'lines' | 'wides', string>>>(`kyselyLoader(${target.name}): CamelCasePlugin`, {} as never);
  const wide = 2n ** 62n + 1n;
  useTables(Plugins, target, 'c', ['lines', 'wides'], async (f, t) => {
    t.lines = camelSafe('order_lines');
    t.wides = camelSafe('wide_rows');
    await f.schema.createTable(t.lines, (tb) => {
      tb.integer('order_id');
      tb.integer('line_no');
      tb.string('sku_code', 16);
      tb.primary(['order_id', 'line_no']);
    });
    await f.schema.createTable(t.wides, (tb) => {
      tb.bigInteger('wide_id').primary();
      tb.integer('visit_count');
    });
    await f(t.lines).insert([{ order_id: 7, line_no: 1, sku_code: 'A-1' }, { order_id: 7, line_no: 2, sku_code: 'B-2' }]);
    await f(t.wides).insert({ wide_id: wide, visit_count: 4 });
  });

  Plugins('the catalog is read where the statements look, and rows keep the plugin\'s names', async ({ db, t }) => {
    const camel = db.withPlugin(new CamelCasePlugin());
    const lines = kyselyLoader(camel, { table: camelOf(t.lines), primaryKey: ['orderId', 'lineNo'] });
    // '7' binds as an integer only if the key column's type was read: the table was found under its own name
    const out = (await hydrate([ref('lines', ['7', 2n])], { lines })) as unknown as Record<string, unknown>[];
    assert.equal(out[0], { orderId: 7, lineNo: 2, skuCode: 'B-2' });
    assert.equal(lines.keyOf(out[0]!), [7, 2]);
  });

  Plugins('version is a row property as the plugin names it: selected with columns, read by versionOf', async ({ db, t }) => {
    const camel = db.withPlugin(new CamelCasePlugin());
    const lines = kyselyLoader(camel, { table: camelOf(t.lines), primaryKey: ['orderId', 'lineNo'], columns: ['orderId'], version: 'skuCode' });
    const [row] = await lines.load([[7, 1]]);
    assert.equal(row, { orderId: 7, lineNo: 1, skuCode: 'A-1' });
    assert.is(lines.versionOf?.(row!), 'A-1');
  });

  Plugins('a key beyond 2^53 comes back exact through the plugin, under the plugin\'s name', async ({ db, t }) => {
    const camel = db.withPlugin(new CamelCasePlugin());
    const wides = kyselyLoader(camel, { table: camelOf(t.wides), primaryKey: 'wideId' });
    const [row] = (await hydrate([ref('wides', wide)], { wides })) as unknown as Record<string, unknown>[];
    assert.equal(Object.keys(row!).sort(), ['visitCount', 'wideId']);
    assert.is(String(row!.wideId), String(wide));
    assert.is(row!.visitCount, 4);
  });

  Plugins.run();
}
