import { isExpression, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { invalidOption } from '@cereal/sql';

/** A loader's `scope`: where conditions over its table, from Kysely's expression builder. */
export type Scope = (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>;

/**
 * `scope`'s condition as one parenthesized group, for the `where` after the key filter:
 * `WHERE id IN (…) AND (a OR b)`. Kysely parenthesizes an `eb.or([…])` of its own, but not a raw
 * `` sql`a or b` ``, which would read `id IN (…) AND a OR b`: most of the table. `eb.parens`
 * never wraps twice. A scope can only build expressions (Kysely's builder has no join, order or
 * limit to add), so what it returns is checked for being one.
 */
export function scoped(eb: ExpressionBuilder<any, any>, scope: Scope, table: string): Expression<SqlBool> {
  let condition: unknown;
  try {
    condition = scope(eb);
  } catch (err) {
    // it would throw at every load, and at every retry: the configuration, not the database
    if (isCerealError(err)) throw err;
    throw new CerealError('INVALID_OPTION', `[kysely] table \`${table}\`: \`scope\` threw: ${describe(err)}`, { cause: err });
  }
  let expression: boolean;
  let returned: string;
  try {
    expression = isExpression(condition);
    returned = condition === null || typeof condition !== 'object' ? String(condition) : `a ${condition.constructor?.name ?? 'value'}`;
  } catch (err) {
    // a Proxy or getter of the scope's own that throws when looked at
    throw invalidOption('kysely', `table \`${table}\`: \`scope\` returned what cannot be looked at (${describe(err, 200)}); it must return a where condition built with the expression builder it is given, e.g. (eb) => eb('deleted_at', 'is', null)`);
  }
  if (!expression) {
    throw invalidOption('kysely', `table \`${table}\`: \`scope\` must return a where condition built with the expression builder it is given, e.g. (eb) => eb('deleted_at', 'is', null); it returned ${returned}`);
  }
  return eb.parens(condition as Expression<SqlBool>);
}

/** `instanceof CerealError`, false for what cannot be asked (a Proxy whose getPrototypeOf trap throws). */
function isCerealError(err: unknown): boolean {
  try {
    return err instanceof CerealError;
  } catch {
    return false;
  }
}
