// The root LICENSE in every package tarball, with one LICENSE to maintain: each public package
// runs `node ../../scripts/package-license.mjs add` as its `prepack` script and `… remove` as
// its `postpack`, so `pnpm pack`, `pnpm publish` and `changeset publish` all ship it (npm and
// pnpm only pack files inside the package folder). The copy is in .gitignore
// (`packages/*/LICENSE`) in case a pack is killed in between.
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const license = fileURLToPath(new URL('../LICENSE', import.meta.url));
const copy = join(process.cwd(), 'LICENSE'); // lifecycle scripts run in the package's folder
const action = process.argv[2];

if (!existsSync(license)) {
  console.error(`package-license: there is no ${license}; every package tarball must carry the license`);
  process.exit(1);
}
if (action === 'add') {
  if (!existsSync(copy)) copyFileSync(license, copy); // a package may have a LICENSE of its own
} else if (action === 'remove') {
  // Only the copy `add` made: a LICENSE of the package's own would differ.
  if (existsSync(copy) && readFileSync(copy).equals(readFileSync(license))) rmSync(copy);
} else {
  console.error('usage: node scripts/package-license.mjs add|remove (from a package folder)');
  process.exit(1);
}
