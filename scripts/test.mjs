#!/usr/bin/env node
/**
 * What `npm test` runs. Steps (each streams its output; a failed step does not stop the next ones):
 *   1. static checks   `npm run check` (prettier, eslint, tsc) counts as one test
 *   2. unit/component  vitest, counted from its JSON report
 *   3. build + lint    `npm run build`, then `web-ext lint` of the Firefox build: one test, fails on any error
 *   4. e2e             `node --test` on tests/e2e/*.e2e.mjs, counted from a TAP report
 * `--e2e-only` skips steps 1 and 2. The last line is always `N passed, N failed` (plus `, N skipped`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';

const e2eOnly = process.argv.includes('--e2e-only');
const TMP = '.tmp';
mkdirSync(TMP, { recursive: true });

/** @type {{ name: string, passed: number, failed: number, skipped: number, note: string, seconds: number }[]} */
const results = [];

/** Runs a command, streaming its output unless `capture` is set; resolves to { code, stdout }. */
function run(cmd, args, { capture = false } = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.on('error', (e) => {
      console.error(`could not start ${cmd}: ${e.message}`);
      resolve({ code: 127, stdout });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

/** Runs one step, timing it and recording its counts. */
async function step(name, body) {
  console.log(`\n==== ${name} ====`);
  const start = Date.now();
  const r = { name, passed: 0, failed: 0, skipped: 0, note: '' };
  try {
    Object.assign(r, await body());
  } catch (e) {
    r.failed += 1;
    r.note = `step crashed: ${e instanceof Error ? e.message : e}`;
    console.error(r.note);
  }
  results.push({ ...r, seconds: (Date.now() - start) / 1000 });
  return r;
}

const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

if (!e2eOnly) {
  await step('static checks', async () => {
    const { code } = await run('npm', ['run', 'check']);
    return code === 0 ? { passed: 1 } : { failed: 1, note: `npm run check exited with ${code}` };
  });

  await step('unit and component tests (vitest)', async () => {
    const report = `${TMP}/vitest.json`;
    rmSync(report, { force: true });
    const { code } = await run('npx', [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${report}`,
    ]);
    const json = readJson(report);
    if (!json) return { failed: 1, note: `vitest wrote no report (exit ${code})` };
    const r = {
      passed: json.numPassedTests,
      failed: json.numFailedTests,
      skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
      note: '',
    };
    // A suite that fails to load, or an unhandled error, fails the run without failing a test.
    if (code !== 0 && r.failed === 0) {
      r.failed = 1;
      r.note = `vitest exited with ${code} (failed suites: ${json.numFailedTestSuites ?? '?'})`;
    }
    return r;
  });
}

const build = await step('build + web-ext lint', async () => {
  const { code } = await run('npm', ['run', 'build']);
  if (code !== 0) return { failed: 1, note: `build failed (exit ${code})` };

  const lint = await run(
    'npx',
    ['web-ext', 'lint', '--source-dir', '.output/firefox-mv3', '--self-hosted', '--output', 'json'],
    { capture: true },
  );
  let report;
  try {
    report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{')));
  } catch {
    console.log(lint.stdout);
    return { failed: 1, note: `web-ext lint printed no JSON report (exit ${lint.code})` };
  }
  const { errors = [], warnings = [], notices = [] } = report;
  const show = (kind, list) =>
    list.forEach((m) =>
      console.log(`  ${kind} ${m.code}: ${m.message}${m.file ? ` (${m.file}${m.line ? `:${m.line}` : ''})` : ''}`),
    );
  show('ERROR', errors);
  show('warning', warnings);
  console.log(`web-ext lint: ${errors.length} errors, ${warnings.length} warnings, ${notices.length} notices`);
  return errors.length === 0 ? { passed: 1 } : { failed: 1, note: `web-ext lint found ${errors.length} errors` };
});

if (build.note.startsWith('build failed')) {
  console.log('\n==== e2e ====\nnot run: the build failed');
  results.push({ name: 'e2e', passed: 0, failed: 0, skipped: 0, note: 'not run: the build failed', seconds: 0 });
} else {
  await step('e2e (Chromium, Firefox)', async () => {
    const files = readdirSync('tests/e2e')
      .filter((f) => f.endsWith('.e2e.mjs'))
      .sort()
      .map((f) => `tests/e2e/${f}`);
    if (files.length === 0) return { failed: 1, note: 'no tests/e2e/*.e2e.mjs files' };
    const tap = `${TMP}/e2e.tap`;
    const { code } = await run('node', [
      '--test',
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ]);
    const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
    const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const r = {
      passed: count('pass'),
      failed: count('fail') + count('cancelled'),
      skipped: count('skipped') + count('todo'),
      note: '',
    };
    if (code !== 0 && r.failed === 0) {
      r.failed = 1;
      r.note = `node --test exited with ${code}`;
    }
    return r;
  });
}

console.log('\n==== summary ====');
for (const r of results) {
  const counts = `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  console.log(
    `${r.failed ? 'FAIL' : 'ok  '}  ${r.name.padEnd(36)} ${counts.padEnd(32)} ${r.seconds.toFixed(1)}s${r.note ? `  (${r.note})` : ''}`,
  );
}
const total = (k) => results.reduce((n, r) => n + r[k], 0);
const passed = total('passed');
const failed = total('failed');
const skipped = total('skipped');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
