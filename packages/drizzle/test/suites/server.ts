/**
 * A database server under the testkit's suites and this package's own: `runServerSuites(spec)`
 * in each server's test file, which runs them when its variable is set and says loudly when not.
 */
import { testFaults, testLoader, testServer } from '@cereal/testkit';
import { testDrizzle } from './drizzle.js';
import { testDrizzleServer } from './drizzleServer.js';
import { drizzleServerTarget, type ServerKit } from './target.js';

/** A database server reached through an environment variable, as its test file describes it. */
export interface ServerSpec {
  name: string;
  /** The variable holding its URL, e.g. `CEREAL_PG_URL`, and an example value. */
  variable: string;
  example: string;
  kit(url: string): ServerKit;
}

export function runServerSuites(spec: ServerSpec): void {
  const url = process.env[spec.variable];
  if (url === undefined || url === '') {
    console.log(`\n  !! SKIPPED: the ${spec.name} suites did not run. Set ${spec.variable}=${spec.example} to run them.\n`);
    return;
  }
  const kit = spec.kit(url);
  const target = drizzleServerTarget(kit);
  testLoader(target);
  testDrizzle(kit);
  testServer(target);
  testFaults(target);
  testDrizzleServer(kit);
}
