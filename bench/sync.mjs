/**
 * Sync with 5,000 records, in real Chromium, through a WebDAV server on loopback (npm webdav-server,
 * in this process), encrypted. Device A (its own browser profile) imports a pack of 4,000 entities and
 * 1,000 notes and sets up sync; device B (a second profile) joins: that is B's first sync, a full
 * download. Then one change: A edits one note and syncs (one shard and its head go up), B syncs (one
 * head and one shard come down). Timed from an extension page around the contract calls the manager
 * and the alarms make (`sync.configure`, `sync.now`).
 */
/* global chrome, performance -- inside page.evaluate() callbacks */
import { launchChromium } from '../scripts/browsers.mjs';
import { startWebdavServer } from '../scripts/webdav-server.mjs';

const USER = 'bench';
const PASSWORD = 'bench password';
const PASSPHRASE = 'benchmark passphrase';

function pack(entities, notes) {
  return {
    format: 'backstory-pack',
    formatVersion: 1,
    pack: { id: 'bench-sync', title: 'Benchmark: sync', version: '1' },
    entities: Array.from({ length: entities }, (_, i) => ({
      id: `e${i}`,
      name: `Place ${i}`,
      kind: 'place',
      aliases: [`Town ${i}`],
      summary: `Summary of place ${i}, long enough to look like one written by a reporter.`,
    })),
    notes: Array.from({ length: notes }, (_, i) => ({
      id: `n${i}`,
      about: { entity: `e${i % entities}` },
      text: `Note ${i}: what the source said, and what to check before quoting it.`,
    })),
  };
}

/** One browser profile with the extension, and a way to make contract calls from its pages. */
async function device(extDir) {
  const chromium = await launchChromium(extDir);
  const page = await chromium.context.newPage();
  await page.goto(`chrome-extension://${chromium.extensionId}/popup.html`);
  const call = async (name, input) => {
    const { ms, reply } = await page.evaluate(
      async ([c, i]) => {
        const t = performance.now();
        const reply = await chrome.runtime.sendMessage({ backstory: 1, call: c, input: i });
        return { ms: performance.now() - t, reply };
      },
      [name, input],
    );
    if (!reply?.ok) throw new Error(`${name}: ${JSON.stringify(reply).slice(0, 300)}`);
    return { ms, value: reply.value };
  };
  return { call, close: () => chromium.close() };
}

export async function runSyncBench({ extDir, entities = 4000, notes = 1000, rounds = 5, log = () => {} }) {
  const server = await startWebdavServer({ user: USER, password: PASSWORD });
  const a = await device(extDir);
  const b = await device(extDir);
  try {
    log(`sync bench: importing ${entities + notes} records on device A`);
    await a.call('pack.import', { text: JSON.stringify(pack(entities, notes)) });
    const settings = (name) => ({
      backend: 'webdav',
      url: server.url,
      username: USER,
      password: PASSWORD,
      deviceName: name,
      passphrase: PASSPHRASE,
    });
    log('sync bench: device A sets up sync (key created, first upload)');
    const setupA = await a.call('sync.configure', settings('A'));
    log('sync bench: device B joins (key unlocked, first download)');
    const joinB = await b.call('sync.configure', settings('B'));
    const [note] = (await a.call('notes.recent', { limit: 1 })).value;
    const oneChange = [];
    for (let i = 0; i < rounds; i++) {
      await a.call('note.save', { id: note.id, note: { about: note.about, text: `${note.text} (edit ${i})` } });
      const push = await a.call('sync.now', {});
      const pull = await b.call('sync.now', {});
      if (!/1 change received/.test(pull.value.message))
        throw new Error(`B did not get the edit: ${pull.value.message}`);
      oneChange.push({ pushMs: push.ms, pullMs: pull.ms });
    }
    const idle = await b.call('sync.now', {});
    return {
      records: entities + notes,
      setupMs: setupA.ms,
      joinMs: joinB.ms,
      oneChange,
      idleMs: idle.ms,
      messages: { setup: setupA.value.message, join: joinB.value.message, idle: idle.value.message },
    };
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
}
