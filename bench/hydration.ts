import { deepStrictEqual } from 'node:assert/strict';
import { createSerializer, hydrate, ref, type Loaders } from '@cereal/core';
import type { KnexLoader } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import type { Knex } from 'knex';
import { floorLoader } from './_floor.js';
import { time, timeSideBySide } from './_time.js';

/** One way of getting `count` fresh user rows from their keys. */
export interface HydrationResult {
  name: string;
  median: number;
  queries: number;
  runs: number;
}

type Row = { id: number };

/** Statements `db` runs during `fn` (Knex's `query` event). */
async function counted(db: Knex, fn: () => Promise<unknown>): Promise<number> {
  let queries = 0;
  const listener = (): void => void queries++;
  db.on('query', listener);
  try {
    await fn();
  } finally {
    db.off('query', listener);
  }
  return queries;
}

/**
 * `count` refs to users hydrated by cereal, against the floor (better-sqlite3 itself running
 * the same chunked `IN` statements, no Knex) and against one query per ref (what
 * django-cereal does on unpickle). Every contender's rows are checked against the floor's first.
 */
export async function measureHydration(db: Knex, loaders: Loaders, count: number, runs: number): Promise<HydrationResult[]> {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const refs = ids.map((id) => ref('users', id));
  const chunk = (loaders.users as KnexLoader).chunkSize;
  const floor = await floorLoader(db);
  const raw = (): Row[] => floor({ table: 'users', columns: ['id'], chunk }, ids) as Row[];
  const cereal = createSerializer({ format: msgpackFormat(), loaders });
  const wire = cereal.encode(refs);
  const perRef = async (): Promise<Row[]> => {
    const out: Row[] = [];
    for (const id of ids) out.push((await db('users').where('id', id).first()) as Row);
    return out;
  };

  const expected = raw().sort((a, b) => a.id - b.id);
  deepStrictEqual(expected.length, count, 'the floor must find every row');
  deepStrictEqual(await hydrate(refs, loaders), expected, 'cereal hydrate must give the same rows');
  deepStrictEqual(await cereal.decode(wire), expected, 'cereal decode must give the same rows');
  deepStrictEqual(await perRef(), expected, 'one query per ref must give the same rows');

  const [floorTime, hydrateTime, decodeTime] = await timeSideBySide([raw, () => hydrate(refs, loaders), () => cereal.decode(wire)], { runs, warmup: 2 });
  const perRefTime = await time(perRef, { runs: Math.min(runs, 3), warmup: 1 });
  return [
    { name: 'raw better-sqlite3, chunked IN (the floor)', median: floorTime!.median, queries: Math.ceil(count / chunk), runs },
    { name: 'cereal hydrate', median: hydrateTime!.median, queries: await counted(db, () => hydrate(refs, loaders)), runs },
    { name: 'cereal decode (msgpack) + hydrate', median: decodeTime!.median, queries: await counted(db, () => cereal.decode(wire)), runs },
    { name: 'one query per ref (django-cereal)', median: perRefTime.median, queries: await counted(db, perRef), runs: perRefTime.runs.length },
  ];
}
