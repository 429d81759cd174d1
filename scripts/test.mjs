// Runs every package's uvu tests in one process and ends with `N passed, N failed` (and
// `, N skipped` when tests or server suites did not run), which uvu does not print. Exits
// non-zero when anything failed or the run broke off, or under CI=true when a suite was skipped.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// uvu's package.json does not export bin.js, so name the file itself.
const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
const args = ['--import', 'tsx', uvu, 'packages', '\\.test\\.ts$', '--ignore', '\\.scratch|node_modules', ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } });

let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk;
});
child.on('close', (code, signal) => {
  // eslint-disable-next-line no-control-regex
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label) => Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(plain)?.[1] ?? NaN);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  if (!Number.isFinite(total) || !Number.isFinite(passed)) {
    console.log(`test run broke off before uvu's summary (exit ${code ?? signal})`);
    console.log(`${Number.isFinite(passed) ? passed : 0} passed, 1 failed`);
    process.exit(1);
  }
  const failed = total - passed - (Number.isFinite(skipped) ? skipped : 0);
  // Server suites that found no connection variable say so at the top of a long run; say it
  // again here, count them in the last line, and fail a CI run that skipped any.
  const skippedSuites = plain.split('\n').filter((line) => line.includes('!! SKIPPED')).map((line) => line.trim());
  for (const line of skippedSuites) console.log(line);
  const notRun = (skipped > 0 ? skipped : 0) + skippedSuites.length;
  const line = `${passed} passed, ${failed} failed${notRun > 0 ? `, ${notRun} skipped` : ''}`;
  if (skippedSuites.length > 0 && process.env.CI === 'true') console.log('CI=true: a server suite was skipped; set its variable (see above)');
  console.log(line);
  process.exit(code === 0 && failed === 0 && total > 0 && !(skippedSuites.length > 0 && process.env.CI === 'true') ? 0 : 1);
});
