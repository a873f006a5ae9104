import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import SnapshotsView, { type StorageAccess } from '../../components/manager/SnapshotsView';
import SyncPanel from '../../components/manager/SyncPanel';
import type { Api } from '../../components/ui/api';
import type { CallName } from '../../lib/messages';
import type { Result } from '../../lib/result';
import { storeApi } from '../fixtures/api';

/** A browser storage manager whose answers the test sets. */
function fakeStorage({ persisted = false, grants = false } = {}) {
  let now = persisted;
  return {
    persisted: vi.fn(() => Promise.resolve(now)),
    persist: vi.fn(() => {
      now = now || grants;
      return Promise.resolve(now);
    }),
    estimate: vi.fn(() => Promise.resolve({ usage: 2_400_000, quota: 80_000_000_000 })),
  } satisfies StorageAccess;
}

/** An api that answers some calls itself and passes the others on. */
const faking = (api: Api, fakes: Partial<Record<CallName, () => Result<unknown>>>): Api =>
  ((name, input) => {
    const fake = fakes[name];
    return fake ? Promise.resolve(fake()) : api(name, input);
  }) as Api;

async function setup(
  options: { storage?: StorageAccess | null; wrap?: (api: Api) => Api; evictionExempt?: boolean } = {},
) {
  const { store, api: real } = await storeApi();
  const api = options.wrap ? options.wrap(real) : real;
  const onRestored = vi.fn();
  const view = (reloadKey: string) => (
    <SnapshotsView
      api={api}
      reloadKey={reloadKey}
      storage={options.storage === undefined ? fakeStorage() : options.storage}
      evictionExempt={options.evictionExempt}
      onRestored={onRestored}
    />
  );
  const rendered = render(view('0'));
  return { store, api: real, onRestored, rerender: (key: string) => rendered.rerender(view(key)) };
}

const section = () => screen.getByRole('region', { name: 'Local snapshots' });
const list = () => screen.getByRole('list', { name: 'Local snapshots' });

describe('local snapshots in the manager', () => {
  it('lists each snapshot with its date, reason and contents; "Take a snapshot now" adds one', async () => {
    const { api, rerender } = await setup();
    expect(await screen.findByText('No snapshot yet.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Take a snapshot now' }));
    expect(await screen.findByText('Snapshot taken: 3 entities, 2 events, 1 note, 1 pack.')).toBeTruthy();
    const items = await waitFor(() => within(list()).getAllByRole('listitem'));
    expect(items).toHaveLength(1);
    expect(items[0]!.textContent).toMatch(
      /^[^·]+ · Taken by you3 entities, 2 events, 1 note, 1 pack · [\d.]+ (bytes|kB)Restore the snapshot of /,
    );
    // After a change, a risky operation takes its own; the list follows the store.
    expect((await api('entity.save', { entity: { name: 'Camp Taji', kind: 'place' } })).ok).toBe(true);
    const [kh, hashed] = await Promise.all(['KH', 'PMF'].map((text) => api('entities.byAlias', { text })));
    const id = (r: typeof kh) => (r?.ok && r.value[0]?.id) || '';
    expect((await api('entities.merge', { keepId: id(hashed), mergeId: id(kh) })).ok).toBe(true);
    rerender('1');
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(2));
    expect(within(list()).getAllByRole('listitem')[0]!.textContent).toContain('Before a merge4 entities');
  });

  it('restores a snapshot after asking (Esc takes the question back), and tells how to undo it', async () => {
    const { store, api, onRestored, rerender } = await setup();
    expect((await api('snapshots.create', {})).ok).toBe(true);
    const [town] = await store.findByAlias('Albukamal');
    expect((await api('entity.delete', { id: town!.id })).ok).toBe(true);
    rerender('1');
    const restoreButton = await within(await screen.findByRole('list', { name: 'Local snapshots' })).findByRole(
      'button',
      { name: /^Restore the snapshot of / },
    );
    fireEvent.click(restoreButton);
    const question = within(list()).getByRole('group', { name: /^Put the whole store back as it was on .*\?/ });
    expect(question.textContent).toContain('The current state is snapshotted first, so you can undo this.');
    expect(document.activeElement).toBe(within(question).getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(question, { key: 'Escape' });
    await waitFor(() =>
      expect(document.activeElement).toBe(within(list()).getByRole('button', { name: /^Restore the snapshot of / })),
    );
    fireEvent.click(within(list()).getByRole('button', { name: /^Restore the snapshot of / }));
    fireEvent.click(within(list()).getByRole('button', { name: 'Restore this snapshot' }));
    const done = await screen.findByText(/^Restored the snapshot of .*: 1 record changed\./);
    expect(done.textContent).toMatch(/To undo it, restore the snapshot “Before a restore” of .*\.$/);
    await waitFor(() => expect(document.activeElement).toBe(done));
    expect(onRestored).toHaveBeenCalledTimes(1);
    expect((await store.getEntity(town!.id))?.name).toBe('Albu Kamal');
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(2));
    expect(within(list()).getAllByRole('listitem')[0]!.textContent).toContain('Before a restore');
  });

  it('deletes a snapshot', async () => {
    const { api, rerender } = await setup();
    expect((await api('snapshots.create', {})).ok).toBe(true);
    rerender('1');
    fireEvent.click(await screen.findByRole('button', { name: /^Delete the snapshot of / }));
    expect(await screen.findByText(/^Deleted the snapshot of /)).toBeTruthy();
    expect(await screen.findByText('No snapshot yet.')).toBeTruthy();
  });

  it('says a persistent storage is persistent', async () => {
    await setup({ storage: fakeStorage({ persisted: true }) });
    const line = await within(section()).findByText(/^Storage: persistent\./);
    expect(line.parentElement!.textContent).toBe(
      'Storage: persistent. The browser keeps Backstory’s data even when disk space runs low. It takes 2.4 MB on this device.',
    );
    expect(screen.queryByRole('button', { name: 'Ask the browser to keep it' })).toBeNull();
  });

  it('says a storage that is not persistent may be cleared, and asks the browser when the user wants', async () => {
    const storage = fakeStorage({ persisted: false, grants: true });
    await setup({ storage });
    expect((await within(section()).findByText(/^Storage: not persistent\./)).parentElement!.textContent).toContain(
      'Backstory’s data may be cleared by the browser when space runs low.',
    );
    expect(storage.persist).not.toHaveBeenCalled(); // never asked unprompted from the page
    fireEvent.click(screen.getByRole('button', { name: 'Ask the browser to keep it' }));
    expect(await within(section()).findByText(/^Storage: persistent\./)).toBeTruthy();
    expect(storage.persist).toHaveBeenCalledTimes(1);
  });

  it('says the data is kept where the browser never evicts it (Chrome, unlimitedStorage), and offers no request', async () => {
    await setup({ storage: fakeStorage({ persisted: false }), evictionExempt: true });
    const line = await within(section()).findByText(/^Storage: kept\./);
    expect(line.parentElement!.textContent).toBe(
      'Storage: kept. This browser never clears the data of an extension allowed unlimited storage, as Backstory is, even when disk space runs low. It takes 2.4 MB on this device.',
    );
    expect(screen.queryByRole('button', { name: 'Ask the browser to keep it' })).toBeNull();
  });

  it('says when the browser refuses, and what to do instead', async () => {
    await setup({ storage: fakeStorage({ persisted: false, grants: false }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Ask the browser to keep it' }));
    expect(
      await screen.findByText(
        'The browser said no (it decides by how you use it). Keep a backup file, or sync with another device, to be safe.',
      ),
    ).toBeTruthy();
    expect(screen.getByText(/^Storage: not persistent\./)).toBeTruthy();
  });

  it('says so when the browser does not tell', async () => {
    await setup({ storage: null });
    expect(await screen.findByText('This browser does not say whether it keeps Backstory’s data.')).toBeTruthy();
  });

  it('reports damaged records that were set aside', async () => {
    const { store, rerender } = await setup();
    const raw = store.db as unknown as { put(store: string, value: unknown): Promise<unknown> };
    await raw.put('entities', { id: 'broken', name: 5 });
    await store.listEntities();
    rerender('1');
    const alert = await within(section()).findByRole('alert');
    expect(alert.textContent).toBe(
      '1 damaged record was found in the store and set aside, so that everything else keeps working. It is kept apart, not shown and not synced. A snapshot from before the damage, or a sync from another device, brings the data back.',
    );
  });

  it('shows what went wrong: a snapshot that could not be saved, a list that could not be read', async () => {
    const quota =
      "Your browser has no room left for Backstory's data: the snapshot was not saved. Nothing was changed. To make room, free some disk space on this computer or delete old snapshots (Manager → Sync → Local snapshots), then try again.";
    await setup({
      wrap: (api) =>
        faking(api, {
          'snapshots.create': () => ({ ok: false, error: { code: 'quota-exceeded', message: quota } }),
          'snapshots.list': () => ({
            ok: false,
            error: { code: 'storage-failed', message: 'The store could not be read.' },
          }),
        }),
    });
    expect(await screen.findByText('The snapshots could not be loaded: The store could not be read.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Take a snapshot now' }));
    const alert = await screen.findByText(`No snapshot taken: ${quota}`);
    expect(alert.getAttribute('role')).toBe('alert');
  });
});

describe('the sync panel', () => {
  it('shows the local snapshots after the backup files', async () => {
    const { api } = await storeApi();
    render(
      <SyncPanel
        api={api}
        revision={0}
        offerUndo={() => {}}
        focusId={null}
        navigate={() => {}}
        requestHost={() => Promise.resolve(true)}
        watchStatus={() => () => {}}
        getStatus={() => Promise.resolve({ state: 'off', at: null, message: 'Sync is not set up.' })}
        getSettings={() => new Promise(() => {})}
        storage={fakeStorage({ persisted: true })}
      />,
    );
    const headings = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings.slice(-2)).toEqual(['Backup', 'Local snapshots']);
    expect(await screen.findByText(/^Storage: persistent\./)).toBeTruthy();
  });
});
