import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SyncPanel from '../../components/manager/SyncPanel';
import type { Api } from '../../components/ui/api';
import { DictionaryService } from '../../lib/background/dictionary';
import { createHandlers, dispatch } from '../../lib/background/router';
import { SeenPages } from '../../lib/background/seen';
import { SyncService } from '../../lib/background/sync-service';
import { call } from '../../lib/client';
import type { CallInput, CallMessage, CallName } from '../../lib/messages';
import type { AppError, Result } from '../../lib/result';
import { importPack } from '../../lib/store/packs';
import type { KnowledgeStore } from '../../lib/store/store';
import { mergeMaps } from '../../lib/sync/merge';
import type { Remote } from '../../lib/sync/remote';
import { syncSettingsItem, type SyncSettings, type SyncStatus } from '../../lib/sync/settings';
import { storeApi } from '../fixtures/api';
import { MemoryRemote } from '../fixtures/memory-remote';
import { samplePack } from '../fixtures/packs';
import { freshStore } from '../fixtures/store';

const RUNTIME_ID = 'abcdefghijklmnop';
const ORIGIN = `chrome-extension://${RUNTIME_ID}/`;

/**
 * The real router over a given store (as tests/fixtures/api.ts builds it), with a sync service whose
 * "browser's own sync" is `remote` (an in-memory server), so configure and sync run for real.
 */
function apiFor(store: KnowledgeStore, remote: Remote | null = null): Api {
  const handlers = createHandlers(store, new DictionaryService(store), new SeenPages(store), {
    sync: (onChanged) => new SyncService(store, onChanged, remote ? () => remote : null),
  });
  const env = { runtimeId: RUNTIME_ID, extensionOrigin: ORIGIN, handlers };
  const send = (message: CallMessage) => dispatch(message, { id: RUNTIME_ID, url: `${ORIGIN}options.html` }, env);
  return (name, input) => call(send, name, input);
}

type Fake = (input: unknown) => Promise<Result<unknown>> | Result<unknown>;

/** An api that answers some calls itself (records their inputs) and passes the others on. */
function faking(api: Api, fakes: Partial<Record<CallName, Fake>>) {
  const calls: { name: CallName; input: unknown }[] = [];
  const wrapped = (<K extends CallName>(name: K, input: CallInput<K>) => {
    calls.push({ name, input });
    const fake = fakes[name];
    return fake ? Promise.resolve(fake(input)) : api(name, input);
  }) as Api;
  return { api: wrapped, calls: (name: CallName) => calls.filter((c) => c.name === name).map((c) => c.input) };
}

const failure = (message: string, code: AppError['code'] = 'storage-failed'): Result<never> => ({
  ok: false,
  error: { code, message },
});

const MIN = 60_000;
const idle = (extra: Partial<SyncStatus> = {}): SyncStatus => ({
  state: 'idle',
  at: Date.now() - 5 * MIN,
  message: 'Up to date: 3 changes received, this device’s changes sent.',
  ...extra,
});
const OFF: SyncStatus = { state: 'off', at: null, message: 'Sync is not set up.' };
const WEBDAV: SyncSettings = {
  backend: 'webdav',
  url: 'https://cloud.example/remote.php/dav/files/me/',
  username: 'me',
  password: 'saved-app-password',
  deviceName: 'Firefox on laptop',
  encrypted: true,
  storeId: 's1',
};

/** A status the page can watch: `emit` plays the background changing it. */
function statusSource(initial: SyncStatus | Promise<SyncStatus>) {
  const listeners = new Set<(s: SyncStatus) => void>();
  return {
    getStatus: () => Promise.resolve(initial),
    watchStatus: (cb: (s: SyncStatus) => void) => (listeners.add(cb), () => listeners.delete(cb)),
    emit: (s: SyncStatus) => listeners.forEach((cb) => cb(s)),
  };
}

async function setup(
  options: {
    status?: SyncStatus | Promise<SyncStatus>;
    settings?: SyncSettings;
    api?: Api;
    wrap?: (api: Api) => Api;
    requestHost?: (url: string) => Promise<boolean>;
    settle?: boolean;
  } = {},
) {
  const { store, api: real } = options.api ? { store: null, api: options.api } : await storeApi();
  const api = options.wrap ? options.wrap(real) : real;
  const source = statusSource(options.status ?? OFF);
  const requestHost = vi.fn(options.requestHost ?? (() => Promise.resolve(true)));
  render(
    <SyncPanel
      api={api}
      revision={0}
      offerUndo={() => {}}
      focusId={null}
      navigate={() => {}}
      requestHost={requestHost}
      watchStatus={source.watchStatus}
      getStatus={source.getStatus}
      // Given settings, or those the (real) sync service saved in the fake browser's storage.
      getSettings={() => (options.settings ? Promise.resolve(options.settings) : syncSettingsItem.getValue())}
    />,
  );
  if (options.settle !== false)
    await waitFor(() => {
      expect(screen.queryByText(/^Loading/)).toBeNull();
    });
  return { store, api: real, source, requestHost };
}

const statusCard = () => screen.getByRole('region', { name: 'Status' });
const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sync panel: status', () => {
  it('says when sync is not set up, and offers the setup form instead of "Sync now"', async () => {
    await setup();
    const card = statusCard();
    expect(within(card).getByText('Sync: not set up')).toBeTruthy();
    expect(within(card).getByText('Not set up')).toBeTruthy();
    expect(within(card).getByText('Never')).toBeTruthy();
    expect(within(card).queryByRole('button', { name: 'Sync now' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Set up sync' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Connect and sync' })).toBeTruthy();
    expect(screen.getByText('No conflicts: every record reads the same on all your devices.')).toBeTruthy();
    expect(screen.getByText('No sync has changed anything on this device yet.')).toBeTruthy();
  });

  it('shows a loading state, then an error when the status cannot be read', async () => {
    let fail!: (e: Error) => void;
    await setup({ status: new Promise<SyncStatus>((_, reject) => (fail = reject)), settle: false });
    expect(screen.getByText('Loading sync settings…')).toBeTruthy();
    fail(new Error('storage is gone'));
    expect((await screen.findByRole('alert')).textContent).toBe('The sync settings could not be read: storage is gone');
  });

  it('shows an idle sync: the status line, its message, the devices with this one marked', async () => {
    await setup({
      settings: WEBDAV,
      status: idle({
        conflicts: 2,
        thisDevice: 'd1',
        devices: [
          { id: 'd1', name: 'Firefox on laptop', updated: new Date(Date.now() - 5 * MIN).toISOString() },
          // Same name, another device: marked by id, not by name.
          { id: 'd2', name: 'Firefox on laptop', updated: new Date(Date.now() - 3 * 60 * MIN).toISOString() },
        ],
      }),
    });
    const card = statusCard();
    expect(within(card).getByText('Sync: up to date (5 min ago) · 2 conflicts')).toBeTruthy();
    expect(within(card).getByText('Ready')).toBeTruthy();
    expect(within(card).getByText('Up to date: 3 changes received, this device’s changes sent.')).toBeTruthy();
    const devices = within(card).getAllByRole('listitem');
    expect(devices.map((d) => d.textContent)).toEqual([
      'Firefox on laptopthis devicelast sent changes 5 minutes ago',
      'Firefox on laptoplast sent changes 3 hours ago',
    ]);
    expect(screen.getByRole('heading', { name: 'Connection' })).toBeTruthy();
    expect(screen.getByText(WEBDAV.url)).toBeTruthy();
    expect(screen.getByText('Encrypted')).toBeTruthy();
    // The password is never shown.
    expect(document.body.textContent).not.toContain(WEBDAV.password);
  });

  it('"Sync now" runs a sync, disabled with progress text while it runs, then shows the outcome', async () => {
    let finish!: (r: Result<SyncStatus>) => void;
    const fake = faking((await storeApi()).api, {
      'sync.now': () => new Promise((resolve) => (finish = resolve)),
    });
    await setup({ settings: WEBDAV, status: idle(), api: fake.api });
    const button = screen.getByRole('button', { name: 'Sync now' });
    fireEvent.click(button);
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    expect(screen.getByText('Syncing… a large store can take a minute.')).toBeTruthy();
    expect(fake.calls('sync.now')).toEqual([{ allowLoss: false }]);
    finish({
      ok: true,
      value: idle({ at: Date.now(), message: 'Up to date: nothing new received, nothing to send.' }),
    });
    expect(await screen.findByText('Up to date: nothing new received, nothing to send.')).toBeTruthy();
    expect(within(statusCard()).getByText('Sync: up to date (just now)')).toBeTruthy();
    expect((button as HTMLButtonElement).disabled).toBe(false);
  });

  it('follows the background: a sync started elsewhere disables "Sync now"', async () => {
    const { source } = await setup({ settings: WEBDAV, status: idle() });
    source.emit({ ...idle(), state: 'syncing' });
    const card = statusCard();
    await waitFor(() => expect(within(card).getByText('Sync: syncing…')).toBeTruthy());
    expect(within(card).getByText('Syncing…')).toBeTruthy();
    expect((within(card).getByRole('button', { name: 'Sync now' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows the error of a failed sync as an alert, and a failed call too', async () => {
    const fake = faking((await storeApi()).api, { 'sync.now': () => failure('The background is not answering.') });
    await setup({
      settings: WEBDAV,
      api: fake.api,
      status: {
        state: 'error',
        at: Date.now(),
        message: 'The server refused the user name or password (401).',
      },
    });
    expect(within(statusCard()).getByRole('alert').textContent).toBe(
      'The server refused the user name or password (401).',
    );
    expect(within(statusCard()).getByText('Stopped by an error')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await waitFor(() =>
      expect(
        within(statusCard())
          .getAllByRole('alert')
          .map((a) => a.textContent),
      ).toContain('The background is not answering.'),
    );
  });

  const paused: SyncStatus = {
    state: 'paused',
    at: Date.now(),
    message: 'Sync paused: it would delete 40 of your 52 records. Nothing was changed.',
    lossy: {
      count: 40,
      byDevice: [{ name: 'Chrome at work', count: 40 }],
      examples: ['Albu Kamal', 'Kataeb Hezbollah', 'Hashed al-Shaabi'],
    },
  };

  it('shows what a paused sync would delete, and "Sync anyway" syncs allowing the loss', async () => {
    const fake = faking((await storeApi()).api, { 'sync.now': () => ({ ok: true, value: idle({ at: Date.now() }) }) });
    await setup({ settings: WEBDAV, status: paused, api: fake.api });
    const choice = screen.getByRole('group', { name: 'This sync would delete 40 records on this device.' });
    expect(within(choice).getByText('Chrome at work')).toBeTruthy();
    expect(choice.textContent).toContain('Chrome at work deleted 40 records');
    expect(choice.textContent).toContain('For example: Albu Kamal, Kataeb Hezbollah, Hashed al-Shaabi …');
    expect(within(statusCard()).getByText('Sync: paused, waiting for you')).toBeTruthy();
    fireEvent.click(within(choice).getByRole('button', { name: 'Sync anyway' }));
    await waitFor(() => expect(fake.calls('sync.now')).toEqual([{ allowLoss: true }]));
    await waitFor(() => expect(screen.queryByRole('group', { name: /would delete/ })).toBeNull());
    expect(within(statusCard()).getByText('Sync: up to date (just now)')).toBeTruthy();
  });

  it('"Keep my data" leaves sync paused and deletes nothing', async () => {
    const fake = faking((await storeApi()).api, {});
    await setup({ settings: WEBDAV, status: paused, api: fake.api });
    fireEvent.click(screen.getByRole('button', { name: 'Keep my data (stay paused)' }));
    expect(
      await screen.findByText('Sync stays paused and nothing was deleted. It will ask again at the next sync.'),
    ).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sync anyway' })).toBeNull();
    expect(fake.calls('sync.now')).toEqual([]);
  });
});

describe('sync panel: setup', () => {
  it('checks the form before asking for anything: address, passphrase length and match', async () => {
    const fake = faking((await storeApi()).api, {});
    const { requestHost } = await setup({ api: fake.api });
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect(await screen.findByText('Enter the address of the folder on your server.')).toBeTruthy();
    expect(screen.getByText('Use at least 8 characters.')).toBeTruthy();
    expect(screen.getByLabelText('Server folder address').getAttribute('aria-invalid')).toBe('true');

    type('Server folder address', 'cloud.example/dav');
    type('Passphrase', 'correct horse');
    type('Repeat the passphrase', 'correct hose');
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect(await screen.findByText('Enter a full address, starting with https://')).toBeTruthy();
    expect(screen.getByText('The two passphrases differ.')).toBeTruthy();

    type('Server folder address', 'https://cloud.example/dav/');
    type('User name', 'me');
    type('Repeat the passphrase', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect(await screen.findByText('Enter the password for this server and user name.')).toBeTruthy();
    expect(requestHost).not.toHaveBeenCalled();
    expect(fake.calls('sync.configure')).toEqual([]);
  });

  it('stops when the browser permission for the server is refused', async () => {
    const fake = faking((await storeApi()).api, {});
    const { requestHost } = await setup({ api: fake.api, requestHost: () => Promise.resolve(false) });
    type('Server folder address', 'https://cloud.example/remote.php/dav/files/me/');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Encrypt everything on the server (recommended)' }));
    expect(screen.queryByLabelText('Passphrase')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Backstory needs permission to reach cloud.example to sync.',
    );
    expect(requestHost).toHaveBeenCalledWith('https://cloud.example/remote.php/dav/files/me/');
    expect(fake.calls('sync.configure')).toEqual([]);
  });

  it('shows what the server said as an alert, and field errors by their fields', async () => {
    const fake = faking((await storeApi()).api, {
      'sync.configure': () => ({
        ok: false,
        error: {
          code: 'invalid-input',
          message: 'deviceName: expected at most 100 characters.',
          issues: [{ path: 'deviceName', message: 'expected at most 100 characters' }],
        },
      }),
    });
    await setup({ api: fake.api });
    type('Server folder address', 'https://cloud.example/dav/');
    type('User name', 'me');
    type('App password', 'app-pass');
    type('Device name', 'Firefox on laptop');
    type('Passphrase', 'correct horse');
    type('Repeat the passphrase', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect((await screen.findByRole('alert')).textContent).toBe('deviceName: expected at most 100 characters.');
    expect(screen.getByText('expected at most 100 characters')).toBeTruthy();
    expect(screen.getByLabelText('Device name').getAttribute('aria-invalid')).toBe('true');
    expect(fake.calls('sync.configure')).toEqual([
      {
        backend: 'webdav',
        url: 'https://cloud.example/dav/',
        username: 'me',
        password: 'app-pass',
        deviceName: 'Firefox on laptop',
        passphrase: 'correct horse',
      },
    ]);
  });

  it('"Test connection" reaches the server without saving anything, and says what it found', async () => {
    const fake = faking((await storeApi()).api, {
      'sync.test': () => ({
        ok: true,
        value: { message: 'Connected to cloud.example. No Backstory store there yet: connecting starts one.' },
      }),
    });
    await setup({ api: fake.api });
    type('Server folder address', 'https://cloud.example/remote.php/dav/files/me/');
    type('User name', 'me');
    type('App password', 'secret app password');
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText(/^Connected to cloud\.example\. No Backstory store/)).toBeTruthy();
    expect(fake.calls('sync.test')).toEqual([
      {
        backend: 'webdav',
        url: 'https://cloud.example/remote.php/dav/files/me/',
        username: 'me',
        password: 'secret app password',
      },
    ]);
    expect(fake.calls('sync.configure')).toEqual([]);
  });

  it('shows how full the browser’s sync storage is when syncing through it', async () => {
    const fake = faking((await storeApi()).api, {
      'sync.quota': () => ({
        ok: true,
        value: { used: 95_000, total: 102_400, items: 40, maxItems: 512, ratio: 0.93 },
      }),
    });
    await setup({ api: fake.api, settings: { ...WEBDAV, backend: 'browser', url: '', password: '' }, status: idle() });
    expect(await screen.findByText(/95,000 of 102,400 bytes used \(\s*93 %\)/)).toBeTruthy();
    expect(document.querySelector('meter')?.getAttribute('aria-labelledby')).toBe('sync-quota-label');
    expect(screen.getByText(/Almost full/)).toBeTruthy();
  });

  it('shows the service’s own refusal (here: no browser sync offered) as an alert', async () => {
    await setup();
    fireEvent.click(screen.getByRole('radio', { name: /This browser’s own sync/ }));
    expect(screen.queryByLabelText('Server folder address')).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: /Encrypt everything/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Choose where to sync: a WebDAV server or this browser’s sync.',
    );
  });

  it('connects for real (encrypted) and then shows the connection instead of the form', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const remote = new MemoryRemote();
    await setup({ api: apiFor(store, remote) });
    fireEvent.click(screen.getByRole('radio', { name: /This browser’s own sync/ }));
    type('Device name', 'Test browser');
    type('Passphrase', 'correct horse');
    type('Repeat the passphrase', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect(await screen.findByRole('heading', { name: 'Connection' }, { timeout: 5000 })).toBeTruthy();
    const connection = screen.getByRole('region', { name: 'Connection' });
    expect(within(connection).getByText('Encrypted')).toBeTruthy();
    expect(within(connection).getByText('Test browser')).toBeTruthy();
    expect(within(statusCard()).getByText('Sync: up to date (just now)')).toBeTruthy();
    expect(remote.paths().some((p) => p.endsWith('keys.json'))).toBe(true);
  });

  it('keeps the saved password (never shown) for the same server, and asks again for another', async () => {
    const fake = faking((await storeApi()).api, { 'sync.configure': () => ({ ok: true, value: idle() }) });
    await setup({ api: fake.api, settings: WEBDAV, status: idle() });
    fireEvent.click(screen.getByRole('button', { name: 'Change settings' }));
    const password = screen.getByLabelText('App password') as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('••••');
    expect(password.getAttribute('autocomplete')).toBe('off');
    type('Device name', 'Firefox at home');
    type('Passphrase', 'correct horse');
    type('Repeat the passphrase', 'correct horse');
    type('Server folder address', 'https://other.example/dav/');
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    expect(await screen.findByText('Enter the password for this server and user name.')).toBeTruthy();

    type('Server folder address', WEBDAV.url);
    fireEvent.click(screen.getByRole('button', { name: 'Connect and sync' }));
    await waitFor(() => expect(fake.calls('sync.configure')).toHaveLength(1));
    expect(fake.calls('sync.configure')[0]).toMatchObject({ password: WEBDAV.password, deviceName: 'Firefox at home' });
  });

  it('Esc leaves the settings form unchanged; "Disconnect" asks first, then stops syncing', async () => {
    const fake = faking((await storeApi()).api, {});
    await setup({ api: fake.api, settings: WEBDAV, status: idle() });
    fireEvent.click(screen.getByRole('button', { name: 'Change settings' }));
    fireEvent.keyDown(screen.getByLabelText('Device name'), { key: 'Escape' });
    expect(screen.getByRole('heading', { name: 'Connection' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    const question = screen.getByRole('group', { name: /Stop syncing this device\?/ });
    await waitFor(() => expect(document.activeElement).toBe(within(question).getByRole('button', { name: 'Cancel' })));
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('group', { name: /Stop syncing/ })).toBeNull();
    expect(fake.calls('sync.disconnect')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    fireEvent.click(
      within(screen.getByRole('group', { name: /Stop syncing/ })).getByRole('button', { name: 'Disconnect' }),
    );
    await waitFor(() => expect(within(statusCard()).getByText('Sync: not set up')).toBeTruthy());
    expect(fake.calls('sync.disconnect')).toEqual([{}]);
  });
});

/** One exchange between two stores, as the sync engine does it (see tests/unit/sync-local.test.ts). */
async function exchange(a: KnowledgeStore, b: KnowledgeStore) {
  const [ea, eb] = [await a.exportSyncState(), await b.exportSyncState()];
  const merged = mergeMaps(ea.states, eb.states);
  expect(await a.applySyncState(merged, ea.revision)).not.toBeNull();
  expect(await b.applySyncState(merged, eb.revision)).not.toBeNull();
}

/** Two devices that edited the same summary at once, exchanged as a sync would: A shows a conflict. */
async function conflicted() {
  const { store: a } = await freshStore();
  const { store: b } = await freshStore();
  const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'City on the Euphrates.' });
  await exchange(a, b);
  await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Edited on A.' }, town.id);
  await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Edited on B.' }, town.id);
  await exchange(a, b);
  const shown = (await a.getEntity(town.id))!.summary;
  return { a, town, shown, other: shown === 'Edited on A.' ? 'Edited on B.' : 'Edited on A.' };
}

describe('sync panel: conflicts', () => {
  it.each([
    ['the other device’s value', 1],
    ['the value shown now', 0],
  ])('lists a real conflict, and "Keep this" on %s settles it', async (_, choice) => {
    const { a, town, shown, other } = await conflicted();
    await setup({ api: apiFor(a) });
    const field = await screen.findByRole('group', { name: 'Summary of Deir ez-Zor' });
    expect(screen.getByRole('heading', { name: 'Deir ez-Zor Entity' })).toBeTruthy();
    expect(within(field).getByText('Shown now')).toBeTruthy();
    expect(within(field).getByText(shown)).toBeTruthy();
    expect(within(field).getByText('From another device')).toBeTruthy();
    expect(within(field).getByText(other)).toBeTruthy();
    const keep = within(field).getAllByRole('button', { name: /^Keep this/ });
    expect(keep).toHaveLength(2);
    fireEvent.click(keep[choice]!);
    expect(await screen.findByText('Kept the chosen summary of “Deir ez-Zor”.')).toBeTruthy();
    expect(await screen.findByText('No conflicts: every record reads the same on all your devices.')).toBeTruthy();
    expect((await a.getEntity(town.id))!.summary).toBe(choice === 0 ? shown : other);
    expect(await a.listConflicts()).toEqual([]);
  });

  it('shows places by name and a note’s text as written', async () => {
    const { store: a } = await freshStore();
    const { store: b } = await freshStore();
    const raqqa = await a.saveEntity({ name: 'Raqqa', kind: 'place' });
    const deir = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const event = await a.saveEvent({ title: 'Bridge reopened', date: '2026-01', place: raqqa.id });
    const note = await a.saveNote({ about: { type: 'event', id: event.id }, text: 'First line.' });
    await exchange(a, b);
    await a.saveEvent({ title: 'Bridge reopened', date: '2026-01', place: deir.id }, event.id);
    await b.saveEvent({ title: 'Bridge reopened', date: '2026-01', place: null }, event.id);
    await a.saveNote({ about: { type: 'event', id: event.id }, text: 'Two lines:\nfrom A.' }, note.id);
    await b.saveNote({ about: { type: 'event', id: event.id }, text: 'From B.' }, note.id);
    await exchange(a, b);
    await setup({ api: apiFor(a) });
    const values = (name: string) =>
      [...screen.getByRole('group', { name }).querySelectorAll('.conflict-value')].map((p) => p.textContent).sort();
    await screen.findByRole('group', { name: 'Place of Bridge reopened' });
    expect(screen.getByRole('heading', { name: 'Bridge reopened Event' })).toBeTruthy();
    expect(values('Place of Bridge reopened')).toEqual(['(empty)', 'Deir ez-Zor']);
    const text = screen.getByRole('group', { name: /^Text of / });
    expect(values(text.getAttribute('aria-label')!)).toEqual(['From B.', 'Two lines:\nfrom A.']);
    // Settling them saves the event and the note.
    const place = screen.getByRole('group', { name: 'Place of Bridge reopened' });
    const deirValue = within(place).getByText('Deir ez-Zor').closest('li')!;
    fireEvent.click(within(deirValue).getByRole('button', { name: /^Keep this/ }));
    expect(await screen.findByText('Kept the chosen place of “Bridge reopened”.')).toBeTruthy();
    const fromB = within(screen.getByRole('group', { name: /^Text of / }))
      .getByText('From B.')
      .closest('li')!;
    fireEvent.click(within(fromB).getByRole('button', { name: /^Keep this/ }));
    expect(await screen.findByText('No conflicts: every record reads the same on all your devices.')).toBeTruthy();
    expect((await a.listEvents()).find((e) => e.id === event.id)!.place).toBe(deir.id);
    expect((await a.listNotes()).find((n) => n.id === note.id)!.text).toBe('From B.');
  });

  it('shows an error when the conflicts cannot be loaded', async () => {
    await setup({
      wrap: (api) => faking(api, { 'sync.conflicts': () => failure('The store could not be read.') }).api,
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'The conflicts could not be loaded: The store could not be read.',
    );
  });
});

describe('sync panel: recent syncs', () => {
  it('lists a sync that changed this device, and "Undo this sync" puts it back after asking', async () => {
    const remote = new MemoryRemote();
    // Device B starts the store on the server with a record of its own.
    const { store: b } = await freshStore();
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const apiB = apiFor(b, remote);
    expect(await apiB('sync.configure', { backend: 'browser', deviceName: 'B' })).toMatchObject({ ok: true });
    // Device A (its own browser storage) joins: its first sync brings B's record.
    await fakeBrowser.storage.local.clear();
    const { store: a } = await freshStore();
    const apiA = apiFor(a, remote);
    expect(await apiA('sync.configure', { backend: 'browser', deviceName: 'A' })).toMatchObject({ ok: true });
    expect((await a.listEntities()).map((e) => e.name)).toEqual(['Deir ez-Zor']);

    await setup({ api: apiA });
    const list = screen.getByRole('list', { name: 'Recent syncs' });
    expect(within(list).getByText(/1 record changed/)).toBeTruthy();
    const undo = within(list).getByRole('button', { name: /^Undo this sync/ });
    fireEvent.click(undo);
    // Esc takes the question back, and the focus returns to the button.
    fireEvent.keyDown(within(list).getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    await waitFor(() =>
      expect(document.activeElement).toBe(within(list).getByRole('button', { name: /^Undo this sync/ })),
    );
    fireEvent.click(within(list).getByRole('button', { name: /^Undo this sync/ }));
    const question = within(list).getByRole('group', {
      name: 'Put back the 1 record this sync changed, as it was before it? This syncs to your other devices too.',
    });
    fireEvent.click(within(question).getByRole('button', { name: 'Undo this sync' }));
    expect(await screen.findByText('Restored 1 record as it was before that sync.')).toBeTruthy();
    expect(await a.listEntities()).toEqual([]);
  });

  it('shows an error when the recent syncs cannot be loaded', async () => {
    await setup({
      wrap: (api) => faking(api, { 'sync.snapshots': () => failure('The store could not be read.') }).api,
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'The recent syncs could not be loaded: The store could not be read.',
    );
  });
});

describe('sync panel: backup', () => {
  function captureDownloads() {
    const blobs: Blob[] = [];
    const names: string[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => (blobs.push(blob), 'blob:test'));
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    return { blobs, names };
  }

  function chooseFile(file: File) {
    const input = screen.getByLabelText('Backup file');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    fireEvent.change(input);
  }

  const exportForm = () => screen.getByRole('form', { name: 'Export an encrypted backup' });
  const importForm = () => screen.getByRole('form', { name: 'Import a backup' });

  it('checks both forms: passphrase length and match, a file and a passphrase to import', async () => {
    const fake = faking((await storeApi()).api, {});
    await setup({ api: fake.api });
    type('Backup passphrase', 'short');
    fireEvent.click(screen.getByRole('button', { name: 'Export backup' }));
    expect(await within(exportForm()).findByText('Use at least 8 characters.')).toBeTruthy();
    type('Backup passphrase', 'long enough');
    type('Repeat the backup passphrase', 'long enuogh');
    fireEvent.click(screen.getByRole('button', { name: 'Export backup' }));
    expect(await within(exportForm()).findByText('The two passphrases differ.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Import backup' }));
    expect(await within(importForm()).findByText('Choose a backup file.')).toBeTruthy();
    expect(within(importForm()).getByText('Enter the passphrase the backup was made with.')).toBeTruthy();
    expect(fake.calls('backup.export')).toEqual([]);
    expect(fake.calls('backup.import')).toEqual([]);
  });

  it('exports an encrypted backup that another store imports; a wrong passphrase is refused', async () => {
    const downloads = captureDownloads();
    const { store: a, api: apiA } = await storeApi();
    await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Only in the backup.' });
    await setup({ api: apiA });
    type('Backup passphrase', 'correct horse');
    type('Repeat the backup passphrase', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Export backup' }));
    await waitFor(() => expect(downloads.names).toHaveLength(1), { timeout: 5000 });
    expect(downloads.names[0]).toMatch(/^backstory-backup-\d{4}-\d\d-\d\d\.json$/);
    expect(
      await screen.findByText(
        `Saved ${downloads.names[0]}. Keep the passphrase safe: without it the backup cannot be read.`,
      ),
    ).toBeTruthy();
    const text = await downloads.blobs[0]!.text();
    expect(text).not.toContain('Only in the backup.');
    const file = new File([text], downloads.names[0]!, { type: 'application/json' });

    // Another device, with an empty store: everything in the backup is new to it.
    const records = (await a.exportSyncState()).states.size;
    cleanup();
    const { store: b, api: apiB } = await storeApi({ empty: true });
    await setup({ api: apiB });
    chooseFile(file);
    type('Passphrase of the backup', 'wrong horse');
    fireEvent.click(screen.getByRole('button', { name: 'Import backup' }));
    expect((await within(importForm()).findByRole('alert', {}, { timeout: 5000 })).textContent).toMatch(
      /^Not imported: .*The passphrase is not the one this store was encrypted with\./,
    );
    expect((await b.listEntities()).map((e) => e.name)).not.toContain('Deir ez-Zor');

    type('Passphrase of the backup', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Import backup' }));
    expect(
      await screen.findByText(
        `Merged: ${records} records changed. Nothing of yours was overwritten.`,
        {},
        { timeout: 5000 },
      ),
    ).toBeTruthy();
    expect((await b.listEntities()).find((e) => e.name === 'Deir ez-Zor')?.summary).toBe('Only in the backup.');
  });

  it('says when a file is not a backup', async () => {
    await setup();
    chooseFile(new File(['{"pack": {}}'], 'pack.json', { type: 'application/json' }));
    type('Passphrase of the backup', 'anything');
    fireEvent.click(screen.getByRole('button', { name: 'Import backup' }));
    expect((await within(importForm()).findByRole('alert')).textContent).toBe(
      'Not imported: This file is not a Backstory backup.',
    );
  });
});
