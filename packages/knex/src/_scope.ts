import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { CerealError } from '@cereal/core';
import type { KnexLoaderOptions } from './loader.js';

type Scope = NonNullable<KnexLoaderOptions['scope']>;

// Builder state that says nothing about the statement: pending and/or/not flags, listeners (the client is the same object).
const NOT_STATEMENT = new Set(['and', '_events', '_eventsCount', '_maxListeners', '_statements', '_boolFlag', '_notFlag', '_joinFlag', '_asColumnFlag']);
const DETAIL = new Set(['skipBinding', 'lockTables', 'only']);

/** What `group` holds besides where conditions: `join`, `select`, `order`, `limit`, `lock`… */
function beyondWhere(group: Knex.QueryBuilder): string[] {
  const state = group as unknown as Record<string, unknown>;
  const fresh = group.client.queryBuilder() as unknown as Record<string, unknown>;
  const found = (state._statements as { grouping: string }[])
    .filter((statement) => statement.grouping !== 'where')
    .map((statement) => (statement.grouping === 'columns' ? 'select' : statement.grouping));
  for (const key of Object.keys(state)) {
    if (NOT_STATEMENT.has(key) || isDeepStrictEqual(state[key], fresh[key])) continue;
    if (key === '_single') found.push(...Object.keys(state._single as object).filter((k) => !DETAIL.has(k)));
    else found.push(key === '_method' ? String(state._method) : key.replace(/^_/, ''));
  }
  return [...new Set(found)];
}

/**
 * The parameters `scope` binds in each statement, counted in a statement Knex compiles with it
 * (the key filter aside); 0 when it does not compile (the load then says why).
 */
export function scopeParams(db: Knex, scope: Scope | undefined, table: string): number {
  if (scope === undefined) return 0;
  try {
    return withScope(db(table), scope, table).toSQL().bindings.length;
  } catch {
    return 0;
  }
}

/**
 * Adds `scope`'s conditions to `query` as one parenthesized group, `WHERE key IN (…) AND (…)`:
 * applied to the query itself, a scope's `orWhere` would read `key IN (…) AND a OR b`, most of
 * the table. Knex compiles only the where conditions of a group and silently drops anything
 * else (a join, a select, an order, a limit), so a scope that adds more is refused instead.
 * Knex calls the group's callback when it compiles the statement: the error comes from there.
 * A scope that throws is `INVALID_OPTION` too: it would throw at every load, and at every retry.
 */
export function withScope(query: Knex.QueryBuilder, scope: Scope, table: string): Knex.QueryBuilder {
  return query.where((group) => {
    let out: Knex.QueryBuilder;
    try {
      out = scope(group) ?? group;
    } catch (err) {
      if (err instanceof CerealError) throw err;
      throw new CerealError('INVALID_OPTION', `[knex] table \`${table}\`: \`scope\` threw: ${String((err as Error | undefined)?.message ?? err)}`, { cause: err });
    }
    const extra = out === group ? beyondWhere(group) : ['another query builder, returned'];
    if (extra.length > 0) {
      throw new CerealError('INVALID_OPTION', `[knex] table \`${table}\`: \`scope\` may only add where conditions (where, orWhere, whereNull, whereExists…) to the query it is given, which the loader groups in parentheses after the key filter; it added ${extra.join(', ')}. Load from a view for joins, and use \`columns\` to select`);
    }
  });
}
