/**
 * Builds what the benchmarks load into Chromium, all under .tmp/bench/:
 * - www/: the harness page and bundle, the fixture pages, the gazetteer (served from 127.0.0.1);
 * - echo-ext/: a two-file extension whose background answers `match` and `dict` messages (transport);
 * - wxt/chrome-mv3/: the real extension, built by WXT into its own directory (never .output/).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
/** The shared fixtures, found as tests/fixtures/shared.ts finds them (so a clone anywhere works). */
const FIXTURE_CANDIDATES = [
  process.env.BACKSTORY_FIXTURES,
  resolve(ROOT, '../shared/fixtures'),
  '/work/shared/fixtures',
].filter(Boolean);
export const FIXTURES = FIXTURE_CANDIDATES.find((p) => existsSync(p)) ?? FIXTURE_CANDIDATES[0];
export const GAZETTEER = join(FIXTURES, 'geonames-cities15000.tsv');
export const OUT = join(ROOT, '.tmp/bench');
export const WWW = join(OUT, 'www');
export const ECHO_EXT = join(OUT, 'echo-ext');
export const WXT_OUT = join(OUT, 'wxt');
export const EXT_DIR = join(WXT_OUT, 'chrome-mv3');
/** The same extension unminified, only for CPU profiles with readable function names. */
export const WXT_DEV_OUT = join(OUT, 'wxt-dev');
export const DEV_EXT_DIR = join(WXT_DEV_OUT, 'chrome-mv3');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];
export const CHROMIUM_FLAGS = [...FLAGS, '--disable-component-update', '--disable-sync'];

/** Bundles the harness (page) and the echo background with esbuild; copies pages and the gazetteer. */
export async function buildHarness() {
  const { build } = await import('esbuild');
  rmSync(WWW, { recursive: true, force: true });
  rmSync(ECHO_EXT, { recursive: true, force: true });
  mkdirSync(join(WWW, 'pages'), { recursive: true });
  mkdirSync(ECHO_EXT, { recursive: true });
  const common = { bundle: true, format: 'iife', target: 'es2022', logLevel: 'warning', legalComments: 'none' };
  await build({ ...common, entryPoints: [join(ROOT, 'bench/harness.ts')], outfile: join(WWW, 'harness.js') });
  copyFileSync(join(WWW, 'harness.js'), join(ECHO_EXT, 'harness.js'));
  await build({
    ...common,
    entryPoints: [join(ROOT, 'bench/echo-background.ts')],
    outfile: join(ECHO_EXT, 'background.js'),
  });
  writeFileSync(
    join(WWW, 'bench.html'),
    '<!doctype html><meta charset="utf-8"><title>Backstory bench</title><body><script src="harness.js"></script>\n',
  );
  writeFileSync(
    join(ECHO_EXT, 'echo.html'),
    '<!doctype html><meta charset="utf-8"><title>echo</title><body><script src="harness.js"></script>\n',
  );
  writeFileSync(
    join(ECHO_EXT, 'manifest.json'),
    JSON.stringify(
      {
        manifest_version: 3,
        name: 'Backstory bench echo',
        version: '1.0',
        background: { service_worker: 'background.js' },
        host_permissions: ['http://127.0.0.1/*'],
      },
      null,
      2,
    ),
  );
  const pages = readdirSync(join(FIXTURES, 'pages')).filter((f) => f.endsWith('.html'));
  for (const f of pages) copyFileSync(join(FIXTURES, 'pages', f), join(WWW, 'pages', f));
  copyFileSync(GAZETTEER, join(WWW, 'geonames.tsv'));
  return pages.map((f) => f.replace(/\.html$/, ''));
}

/**
 * Builds the real extension with WXT into .tmp/bench/wxt (and an unminified copy into .tmp/bench/wxt-dev) (so a concurrent `npm run build` or test run
 * never sees a half-written .output/), then regenerates .wxt/ for the default output directory, which
 * the build rewrote.
 */
export async function buildExtension() {
  const { build, prepare } = await import('wxt');
  const t0 = Date.now();
  await build({ root: ROOT, outDir: WXT_OUT, browser: 'chrome', logger: quietLogger() });
  await build({
    root: ROOT,
    outDir: WXT_DEV_OUT,
    browser: 'chrome',
    logger: quietLogger(),
    vite: () => ({ build: { minify: false } }),
  });
  await prepare({ root: ROOT, logger: quietLogger() });
  return Date.now() - t0;
}

function quietLogger() {
  const noop = () => {};
  const l = {};
  for (const k of ['debug', 'log', 'info', 'warn', 'success', 'start', 'box', 'ready', 'fail', 'trace', 'verbose'])
    l[k] = noop;
  l.error = (...a) => console.error(...a);
  l.level = 0;
  return l;
}
