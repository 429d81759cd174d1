import type { Kysely, OperationNode } from 'kysely';
import { nameParts } from '@cereal/sql';

type Node = OperationNode & Record<string, unknown>;

const name = (node: unknown): string | undefined => {
  const n = node as { kind?: string; name?: unknown } | undefined;
  return n?.kind === 'IdentifierNode' && typeof n.name === 'string' ? n.name : undefined;
};

/**
 * The table and key columns as the statements spell them: read off a compiled (never run)
 * `select keys from table`, so that the catalog looks where the statements look. A Kysely's
 * plugins may rename both: `withSchema('tenant')` puts the table in another schema,
 * CamelCasePlugin turns `orderLines.orderId` into `order_lines.order_id`. `s.items` is
 * `['s', 'items']`, `items as i` is `['items']`; a name the compiled query does not show
 * plainly is taken as written.
 */
export function compiledNames(db: Kysely<any>, table: string, keys: readonly string[]): { path: string[]; keys: string[] } {
  let query: Node;
  try {
    query = db.selectFrom(table).select(keys as string[]).compile().query as Node;
  } catch {
    return { path: nameParts(table), keys: [...keys] };
  }
  const from = (query.from as { froms?: Node[] } | undefined)?.froms?.[0];
  const tableNode = (from?.kind === 'AliasNode' ? from.node : from) as Node | undefined;
  const identifier = tableNode?.kind === 'TableNode' ? (tableNode.table as Node) : undefined;
  const tableName = name(identifier?.identifier);
  const schema = name(identifier?.schema);
  const path = tableName === undefined ? nameParts(table) : schema === undefined ? [tableName] : [schema, tableName];
  const selections = (query.selections as Node[] | undefined) ?? [];
  return {
    path,
    keys: keys.map((key, i) => {
      const selection = selections[i]?.selection as Node | undefined;
      const column = selection?.kind === 'ReferenceNode' ? (selection.column as Node) : undefined;
      return (column?.kind === 'ColumnNode' ? name(column.column) : undefined) ?? key;
    }),
  };
}
