/**
 * What the loader reads off a client without a database: ids from the schema text, and the
 * driver's code inside Prisma's errors (as Prisma 7.10's adapters shape them; the faults suites
 * meet the real ones on the servers).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { isBadKey, isConnectionLost } from '@cereal/sql';
import { DriverError, exposed, unwrap } from '../src/_errors.js';
import { idFields } from '../src/_ids.js';

const Schema = suite('prisma: ids from the schema');

const SCHEMA = `
// model Commented { id Int @id }
model User {
  id    Int    @id @default(autoincrement())
  email String @unique @map("e_mail") // not @id
  note  String @default("} { @id")
  @@index([email])
}

model OrderLine {
  orderId Int @map("order_id")
  line    Int
  @@id(fields: [orderId, line(sort: Desc)], name: "pk")
  @@map("order_lines")
}

view Total {
  sku String @unique
}

model Tag {
  idx  Int @unique
  name String
}

model Account {
  tenantId Int
  id       Int
  @@id(name: "pk", fields: [tenantId, id])
}

model Named {
  tenantId Int
  id       Int
  @@id([tenantId, id(sort: Desc, length: 10)], map: "named_pk")
}

model Spread {
  tenantId Int
  id       Int
  @@id(
    map: "spread_pk",
    fields: [tenantId, id]
  )
}

model Unreadable {
  tenantId Int
  id       Int
  @@id(name: "pk")
}
`;

Schema('a field marked @id; @@id with arguments; comments and strings skipped', () => {
  assert.equal(idFields(SCHEMA, 'User'), ['id']);
  assert.equal(idFields(SCHEMA, 'OrderLine'), ['orderId', 'line']);
  assert.is(idFields(SCHEMA, 'Commented'), undefined);
});

const TRICKY = `
model Legacy {
  legacy Int // was @id before the move to uuids }
  // @@id([legacy, uuid])
  uuid String @id
}

model Quoted {
  note  String @default(" @id } {")
  quote String @default("a \\" @id")
  key   String @id
  after String
}

model Near {
  ids    Int @ids
  dotted Int @id.sort
  real   Int @unique @id
}

model Braced {
  data Json @default("{}")
  meta Json @default(dbgenerated("jsonb_build_object()"))
  pk   Int  @id
}

model Parens {
  a Int
  b Int
  @@id(fields: [a(sort: Desc, length: 3), b])
}

model Unclosed {
  a Int
  @@id([a
}

view Reported {
  code String @id
}
`;

Schema('comments and strings never hold the id: `@id`, `@@id`, braces and quotes inside them are skipped', () => {
  assert.equal(idFields(TRICKY, 'Legacy'), ['uuid'], 'a comment naming @id or @@id, or closing the block');
  assert.equal(idFields(TRICKY, 'Quoted'), ['key'], 'strings holding " @id", braces and an escaped quote');
  assert.equal(idFields(TRICKY, 'Braced'), ['pk'], 'braces and parentheses inside defaults');
  assert.equal(idFields(TRICKY, 'Reported'), ['code'], 'a view');
});

Schema('`@id` as an attribute of its own, anywhere among the field\'s: not `@ids`, not `@id.sort`', () => {
  assert.equal(idFields(TRICKY, 'Near'), ['real']);
  assert.equal(idFields(TRICKY, 'Parens'), ['a', 'b'], 'a field with arguments of its own in @@id');
  assert.throws(() => idFields(TRICKY, 'Unclosed'), (err: Error) => err.message === "[cereal] [prisma] the `@@id` of model `Unclosed` could not be read from the client's schema; set `primaryKey` to its fields, e.g. ['tenantId', 'id']");
  assert.is(idFields('model Open {\n  id Int @id\n', 'Open'), undefined, 'a block that never closes');
});

Schema('@@id finds `fields:` wherever it stands among the arguments, or its first list', () => {
  assert.equal(idFields(SCHEMA, 'Account'), ['tenantId', 'id']);
  assert.equal(idFields(SCHEMA, 'Named'), ['tenantId', 'id']);
  assert.equal(idFields(SCHEMA, 'Spread'), ['tenantId', 'id']);
});

Schema('@@id as Prisma\'s formatter may leave it: spaces before and inside its parentheses, none after `fields:`, a field\'s arguments over lines', () => {
  const ids = (line: string): string[] | undefined => idFields(`model M {\n  a Int\n  b Int\n  ${line}\n}`, 'M');
  assert.equal(ids('@@id ([a, b])'), ['a', 'b']);
  assert.equal(ids('@@id( [a, b] )'), ['a', 'b']);
  assert.equal(ids('@@id(fields:[a,b])'), ['a', 'b']);
  assert.equal(ids('@@id(fields : [a, b], name: "pk")'), ['a', 'b']);
  assert.equal(idFields('model M {\n  a Int\n  b Int\n  @@id([a(sort:\n    Desc), b])\n}', 'M'), ['a', 'b']);
  for (const bad of ['@@id([a, 1b])', '@@id([1a, b])', '@@id([a-b, c])', '@@id([a, "b"])']) {
    assert.throws(() => ids(bad), (err: CerealError) => err.code === 'INVALID_OPTION' && err.message.includes('the `@@id` of model `M` could not be read'), bad);
  }
});

Schema('a comment right after @id, one that ends the schema, an unclosed string at its end; a model\'s block ends at its own brace', () => {
  assert.equal(idFields('model M {\n  key Int @id// the key\n}', 'M'), ['key']);
  assert.equal(idFields('model M {\n  key Int @id\n}\n// the end, no newline', 'M'), ['key']);
  assert.equal(idFields('model M {\n  key Int @id\n}\nmodel N {\n  s String @default("unclosed', 'M'), ['key']);
  assert.is(idFields('model A {\n  a Int\n}\nmodel B {\n  b Int @id\n}', 'A'), undefined, 'not the next model\'s id');
});

Schema('an @@id whose fields cannot be read is INVALID_OPTION, never the field `id` alone', () => {
  for (const model of ['Unreadable']) {
    try {
      idFields(SCHEMA, model);
      assert.unreachable(`${model}: no error`);
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'INVALID_OPTION');
      assert.match((err as Error).message, new RegExp(`@@id\` of model \`${model}\``));
    }
  }
  try {
    idFields('model Open {\n  a Int\n  @@id([a\n}', 'Open');
    assert.unreachable('no error');
  } catch (err) {
    assert.is((err as CerealError).code, 'INVALID_OPTION');
  }
});

Schema('a model without an id, a view, or no such model: none', () => {
  assert.is(idFields(SCHEMA, 'Tag'), undefined);
  assert.is(idFields(SCHEMA, 'Total'), undefined);
  assert.is(idFields(SCHEMA, 'Use'), undefined);
});

Schema.run();

const Errors = suite('prisma: driver codes inside Prisma errors');

/** An error as Prisma throws it over a driver adapter's. */
const prismaError = (cause: object, code = 'P2010'): Error => Object.assign(new Error('Invalid `prisma.user.findMany()` invocation'), { code, meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } });

Errors('a lost connection is one the shared loader resends; unwrap gives Prisma\'s error back', () => {
  const cases = [
    prismaError({ kind: 'postgres', originalCode: '57P01', originalMessage: 'terminating connection due to administrator command' }),
    prismaError({ kind: 'ConnectionClosed' }, 'P1017'),
    prismaError({ kind: 'mysql', code: 1927, state: '70100', originalCode: '1927', originalMessage: 'Connection was killed' }),
    prismaError({ kind: 'mysql', code: 45013, state: '08S01', originalCode: '45013', originalMessage: 'Cannot execute new commands: connection closed' }),
    Object.assign(new Error('Cannot execute new commands: connection closed'), { name: 'DriverAdapterError', cause: { kind: 'mysql', code: 45009, state: '08S01' } }),
  ];
  for (const err of cases) {
    const seen = exposed(err);
    assert.instance(seen, DriverError, err.message);
    assert.ok(isConnectionLost(seen), err.message);
    assert.is(unwrap(seen), err);
  }
});

Errors('a data exception is a bad key (INVALID_REF), and stays wrapped', () => {
  const err = prismaError({ kind: 'ValueOutOfRange', originalCode: '22003', originalMessage: 'value overflows numeric format' }, 'P2020');
  const seen = exposed(err);
  assert.ok(isBadKey(seen));
  assert.is((seen as Error).message, 'value overflows numeric format');
  assert.is(unwrap(seen), undefined);
});

Errors('anything else passes as it is: a missing table, a server down, a validation error', () => {
  const cases = [
    prismaError({ kind: 'TableDoesNotExist', table: 'users' }, 'P2021'),
    prismaError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }, 'P1001'),
    prismaError({ kind: 'mysql', code: 45028, state: 'HY000', originalCode: '45028', originalMessage: 'pool timeout' }, 'P2039'),
    Object.assign(new Error('Unknown argument `nope`'), { name: 'PrismaClientValidationError' }),
  ];
  for (const err of cases) assert.is(exposed(err), err, err.message);
});

Errors.run();
