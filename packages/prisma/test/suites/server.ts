/**
 * A database server under the testkit's suites and this package's own: `runServerSuites(spec)`
 * in each server's test file, which runs them when its variable is set and says loudly when not.
 */
import type { Knex } from 'knex';
import type { OpenOptions } from '@cereal/testkit';
import { testFaults, testLoader, testServer } from '@cereal/testkit';
import { loadClients, type AdapterFactory } from './clients.js';
import type { Provider } from './models.js';
import { testPrisma } from './prisma.js';
import { prismaServerTarget, prismaTarget, type ServerAccess } from './target.js';

/** A database server reached through an environment variable, as its test file describes it. */
export interface ServerSpec extends ServerAccess {
  name: string;
  /** The variable holding its URL, e.g. `CEREAL_PG_URL`, and an example value. */
  variable: string;
  example: string;
  provider: Provider;
  /** A Knex instance on the URL, for the fixtures. */
  fixtures(url: string): Knex;
  /** A pool on the URL with open's options, the adapter factory over it, and its end. */
  pool(url: URL, options: OpenOptions): { adapter: () => AdapterFactory; end: () => Promise<void> };
  /** The schema unqualified table names resolve to, for a URL. */
  schema(url: string): string;
  /** What a load's error says when no connection came within open's acquireTimeoutMs (1500). */
  timeoutMessage: RegExp;
}

export async function runServerSuites(spec: ServerSpec): Promise<void> {
  const url = process.env[spec.variable];
  if (url === undefined || url === '') {
    console.log(`\n  !! SKIPPED: the ${spec.name} suites did not run. Set ${spec.variable}=${spec.example} to run them.\n`);
    return;
  }
  await loadClients(spec.provider);
  const loaderTarget = prismaTarget(spec.name, {
    provider: spec.provider,
    fixtures: () => spec.fixtures(url),
    pool: (options = {}) => {
      const target = new URL(url);
      if (options.port !== undefined) target.port = String(options.port);
      return spec.pool(target, options);
    },
  }, spec.schema(url), spec.timeoutMessage);
  const target = prismaServerTarget(loaderTarget, spec);
  testLoader(target);
  testPrisma(target);
  testServer(target);
  testFaults(target);
}
