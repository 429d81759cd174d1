import type { Knex } from 'knex';

/**
 * A name as the statements spell it: Knex's own wrapping (and any `wrapIdentifier` hook of the
 * config) applied, then unquoted. `s.items` is `['s', 'items']`, `items as i` is `['items']`.
 */
export function identifier(db: Knex, name: string): string[] {
  const alias = name.toLowerCase().indexOf(' as ');
  const wrapped = db.raw('??', [alias === -1 ? name : name.slice(0, alias)]).toQuery();
  return Array.from(wrapped.matchAll(/"((?:[^"]|"")*)"|`((?:[^`]|``)*)`/g), (m) => m[1]?.replace(/""/g, '"') ?? m[2]!.replace(/``/g, '`'));
}
