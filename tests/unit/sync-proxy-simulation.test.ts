// @vitest-environment node
/**
 * Three devices (real stores, real sync service, real encryption) sync through a fault-injecting HTTP
 * proxy in front of a real WebDAV server (npm webdav-server, in-process). While they edit and sync,
 * the proxy answers some requests itself with 500, 412, 423 or 507, cuts request bodies short (the
 * server keeps a truncated file), flips a bit or truncates a file on its way back, serves a stale
 * copy of an earlier folder listing, fails the head upload after the shards went up (a crash
 * between shards and head), and once wipes Backstory's folder on the server. Then the faults stop, every device
 * syncs a few more rounds, and: all devices hold the same store, no note anyone wrote is missing, and
 * nothing damaged was ever merged (no record holds bytes nobody wrote). The seed is printed on failure.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storage } from 'wxt/utils/storage';
import { SyncService, type SyncItems } from '../../lib/background/sync-service';
import type { SyncState } from '../../lib/sync/protocol';
import { DEFAULT_SYNC_SETTINGS, type SyncStatus } from '../../lib/sync/settings';
import { stableJson } from '../../lib/sync/merge';
import type { KnowledgeStore } from '../../lib/store/store';
import { mulberry32 } from '../fixtures/prng';
import { freshStore } from '../fixtures/store';
import { startWebdavServer, type RunningServer } from '../integration/webdav-servers';

const USER = 'reporter';
const PASSWORD = 'proxy sim pass';
const PASSPHRASE = 'simulation passphrase';
const SEEDS = Number(process.env.SYNC_PROXY_RUNS ?? 10);
const BASE_SEED = Number(process.env.SYNC_SEED ?? 20261125);

interface Faults {
  rnd: () => number;
  on: boolean;
  /** Probability that a request gets a fault. */
  rate: number;
  wipe: boolean;
  log: string[];
  /** Earlier PROPFIND answers, by URL, for stale listings. */
  listings: Map<string, { status: number; headers: IncomingMessage['headers']; body: Buffer }[]>;
}

/** A proxy to `target` that injects faults as `faults` says. */
async function startProxy(target: URL, faults: Faults): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const fault = faults.on && faults.rnd() < faults.rate ? faults.rnd() : -1;
      const say = (status: number, why: string) => {
        faults.log.push(`${req.method} ${url}: ${why}`);
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(why);
      };
      if (fault >= 0 && fault < 0.15) return say([500, 502, 503][Math.floor(faults.rnd() * 3)]!, 'server error');
      if (fault >= 0.15 && fault < 0.22) return say(412, 'precondition failed');
      if (fault >= 0.22 && fault < 0.29) return say(423, 'locked');
      if (fault >= 0.29 && fault < 0.34 && req.method === 'PUT') return say(507, 'insufficient storage');
      if (fault >= 0.34 && fault < 0.42 && req.method === 'PUT' && url.endsWith('head.json'))
        return say(500, 'crash between shards and head');
      let cutRequest = false;
      if (fault >= 0.42 && fault < 0.52 && req.method === 'PUT' && body.length > 8) {
        body = body.subarray(0, Math.floor(body.length / 2)); // the server keeps a truncated file
        cutRequest = true;
      }
      if (fault >= 0.52 && fault < 0.6 && req.method === 'PROPFIND') {
        const old = faults.listings.get(url);
        if (old?.length) {
          const stale = old[Math.floor(faults.rnd() * old.length)]!;
          faults.log.push(`${req.method} ${url}: stale listing`);
          return res.writeHead(stale.status, stale.headers).end(stale.body);
        }
      }
      const upstream = request(
        new URL(url, target),
        { method: req.method, headers: { ...req.headers, host: target.host, 'content-length': String(body.length) } },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            let out = Buffer.concat(parts);
            if (req.method === 'PROPFIND' && up.statusCode === 207) {
              const list = faults.listings.get(url) ?? [];
              list.push({ status: 207, headers: up.headers, body: out });
              faults.listings.set(url, list.slice(-5));
            }
            if (req.method === 'GET' && out.length > 8 && fault >= 0.6 && fault < 0.7) {
              out = Buffer.from(out);
              const at = Math.floor(faults.rnd() * out.length);
              out[at] = out[at]! ^ (1 << Math.floor(faults.rnd() * 8));
              faults.log.push(`GET ${url}: bit flipped at ${at}`);
            } else if (req.method === 'GET' && out.length > 8 && fault >= 0.7 && fault < 0.78) {
              out = out.subarray(0, Math.floor(out.length * faults.rnd()));
              faults.log.push(`GET ${url}: truncated`);
            }
            if (cutRequest) {
              faults.log.push(`PUT ${url}: body cut short`);
              return res.writeHead(500).end('connection reset');
            }
            const headers = { ...up.headers, 'content-length': String(out.length) };
            res.writeHead(up.statusCode ?? 502, headers).end(out);
          });
        },
      );
      upstream.on('error', (e) => res.writeHead(502).end(String(e)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

let tag = 0;
async function device(name: string) {
  let t = Date.UTC(2026, 0, 1) + tag * 7_000; // every device's clock a little off
  const { store } = await freshStore({ now: () => (t += 250) });
  const id = `${name}-${tag++}`;
  const items: SyncItems = {
    settings: storage.defineItem(`local:syncSettings-${id}`, { fallback: DEFAULT_SYNC_SETTINGS }),
    status: storage.defineItem<SyncStatus>(`local:syncStatus-${id}`, {
      fallback: { state: 'off', at: null, message: '' },
    }),
    state: storage.defineItem<SyncState | null>(`local:syncState-${id}`, { fallback: null }),
  };
  return { name, store, service: new SyncService(store, () => undefined, null, items) };
}

const view = async (store: KnowledgeStore) => stableJson([...(await store.exportSyncState()).states].sort());

describe('sync through a fault-injecting proxy in front of a real WebDAV server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startWebdavServer({ user: USER, password: PASSWORD });
  });
  afterAll(async () => server.close());

  it.each(Array.from({ length: SEEDS }, (_, i) => BASE_SEED + i))(
    'converges and loses nothing (seed %i)',
    async (seed) => {
      const faults: Faults = {
        rnd: mulberry32(seed),
        on: false,
        rate: 0.25,
        wipe: false,
        log: [],
        listings: new Map(),
      };
      const proxy = await startProxy(new URL(server.url), faults);
      const folder = `${proxy.url}run-${seed}/`;
      /** The same folder on the server itself: the wipe is not the proxy's doing, nor subject to its faults. */
      const direct = `${server.url}run-${seed}/`;
      const rnd = mulberry32(seed ^ 0x5eed);
      const devices = await Promise.all(['a', 'b', 'c'].map(device));
      const written: string[] = [];
      const context = () => `seed ${seed}; faults: ${faults.log.slice(-12).join(' | ')}`;
      try {
        // Set up without faults (setup errors are the settings' business), through the proxy.
        await fetch(direct, { method: 'MKCOL', headers: { Authorization: `Basic ${btoa(`${USER}:${PASSWORD}`)}` } });
        for (const d of devices) {
          const status = await d.service.configure({
            backend: 'webdav',
            url: folder,
            username: USER,
            password: PASSWORD,
            deviceName: d.name,
            passphrase: PASSPHRASE,
          });
          expect(status.state, context()).toBe('idle');
        }
        const [a] = devices;
        const town = await a!.store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
        faults.on = true;
        for (let step = 0; step < 24; step++) {
          const d = devices[Math.floor(rnd() * devices.length)]!;
          const roll = rnd();
          if (roll < 0.35) {
            const text = `note ${seed}-${step} from ${d.name}`;
            if (await d.store.getEntity(town.id)) {
              await d.store.saveNote({ about: { type: 'entity', id: town.id }, text });
              written.push(text);
            }
          } else if (roll < 0.5 && (await d.store.getEntity(town.id))) {
            await d.store.saveEntity(
              { name: 'Deir ez-Zor', kind: 'place', summary: `summary ${step} by ${d.name}` },
              town.id,
            );
          } else if (roll < 0.53 && !faults.wipe) {
            // Backstory's folder on the server wiped (a user emptying the wrong folder): nothing local may be lost.
            faults.wipe = true;
            faults.log.push('wipe');
            const wiped = await fetch(`${direct}backstory/`, {
              method: 'DELETE',
              headers: { Authorization: `Basic ${btoa(`${USER}:${PASSWORD}`)}` },
            });
            expect(wiped.ok, `the wipe failed: ${wiped.status}`).toBe(true);
          } else {
            await d.service.syncNow({ allowLoss: true }); // errors are statuses, never throws
          }
        }
        // Faults stop; everyone syncs until settled.
        faults.on = false;
        expect(faults.log.length, 'the proxy injected no fault: the run proves nothing').toBeGreaterThan(3);
        for (let round = 0; round < 3; round++)
          for (const d of devices) {
            const status = await d.service.syncNow({ allowLoss: true });
            expect(status.state, `${d.name}: ${status.message}; ${context()}`).toBe('idle');
          }
        const views = await Promise.all(devices.map((d) => view(d.store)));
        expect(views[1], context()).toBe(views[0]);
        expect(views[2], context()).toBe(views[0]);
        const notes = (await devices[0]!.store.notesAbout(town.id)).map((n) => n.text).sort();
        expect(notes, context()).toEqual([...written].sort());
        // Nothing damaged was merged: every summary is one somebody wrote.
        const summary = (await devices[0]!.store.getEntity(town.id))?.summary ?? '';
        expect(summary === '' || /^summary \d+ by [abc]$/.test(summary), context()).toBe(true);
      } finally {
        await new Promise((resolve) => proxy.server.close(resolve));
      }
    },
    120_000,
  );
});
