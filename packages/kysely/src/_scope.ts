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
    if (err instanceof CerealError) throw err;
    throw new CerealError('INVALID_OPTION', `[kysely] table \`${table}\`: \`scope\` threw: ${describe(err)}`, { cause: err });
  }
  if (!isExpression(condition)) {
    throw invalidOption('kysely', `table \`${table}\`: \`scope\` must return a where condition built with the expression builder it is given, e.g. (eb) => eb('deleted_at', 'is', null); it returned ${condition === null || typeof condition !== 'object' ? String(condition) : `a ${condition.constructor?.name ?? 'value'}`}`);
  }
  return eb.parens(condition as Expression<SqlBool>);
}
