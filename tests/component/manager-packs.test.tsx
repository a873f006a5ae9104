import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import PacksPanel from '../../components/manager/PacksPanel';
import type { SubscribeProgress } from '../../components/manager/types';
import type { Api } from '../../components/ui/api';
import type { HandlerHooks } from '../../lib/background/router';
import type { PackDocument } from '../../lib/pack/schema';
import { importPack } from '../../lib/store/packs';
import { storeApi } from '../fixtures/api';
import { clone, samplePack } from '../fixtures/packs';
import { dump } from '../fixtures/store';

/** Progress as the page gets it: the background's hook feeds the subscribers of each job. */
function progressChannel() {
  const listeners = new Map<string, Set<(done: number, total: number) => void>>();
  const subscribe: SubscribeProgress = (job, onProgress) => {
    const set = listeners.get(job) ?? new Set();
    set.add(onProgress);
    listeners.set(job, set);
    return () => set.delete(onProgress);
  };
  const emit = (job: string, done: number, total: number) => listeners.get(job)?.forEach((f) => f(done, total));
  const subscribed = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);
  return { subscribe, emit, subscribed };
}

async function setup(
  options: { api?: (api: Api) => Api; empty?: boolean; hooks?: HandlerHooks; settle?: boolean } = {},
) {
  const channel = progressChannel();
  const { store, api } = await storeApi({
    empty: options.empty,
    hooks: options.hooks ?? { progress: channel.emit },
  });
  const view = (a: Api = api) => (
    <PacksPanel
      api={options.api ? options.api(a) : a}
      revision={0}
      offerUndo={() => {}}
      focusId={null}
      navigate={() => {}}
      subscribeProgress={channel.subscribe}
    />
  );
  render(view());
  // The list (or its error) is in before a test acts: "Loading packs…" is a status of its own.
  if (options.settle !== false) await waitFor(() => expect(screen.queryByText('Loading packs…')).toBeNull());
  return { store, api, channel };
}

const jsonFile = (doc: unknown, name = 'pack.json') =>
  new File([JSON.stringify(doc)], name, { type: 'application/json' });

function choose(file: File) {
  const input = screen.getByLabelText('Import a pack (.json) or a spreadsheet (.csv)');
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  fireEvent.change(input);
}

/**
 * A drag event carrying files, as the browser sends it (it bubbles to the panel, which takes drops
 * anywhere on it). Built by hand: happy-dom elements have no `ondrop` property, so the `fireEvent`
 * helpers would send it under another name.
 */
function drag(target: Element, type: 'dragenter' | 'dragover' | 'drop', files: File[]) {
  const event = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(event, 'dataTransfer', { value: { types: ['Files'], files, dropEffect: 'none' } });
  act(() => {
    target.dispatchEvent(event);
  });
  return event;
}

const otherPack = () =>
  samplePack({ pack: { id: 'other-pack', title: 'Other pack', version: '2.0.0' } }) as PackDocument;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('packs panel: installed packs', () => {
  it('says it is loading, then lists the installed packs with their counts', async () => {
    await setup({ settle: false });
    expect(screen.getByRole('status').textContent).toMatch(/Loading packs/);
    const list = await screen.findByRole('list', { name: 'Installed packs' });
    const [pack] = within(list).getAllByRole('listitem');
    expect(within(pack!).getByRole('heading', { name: 'Test pack 1.0.0' })).toBeTruthy();
    expect(within(pack!).getByText('3 entities · 2 events')).toBeTruthy();
    expect(within(pack!).getByText('Installed')).toBeTruthy();
    expect(screen.getByText('Your store holds 3 entities, 2 events and 1 note.')).toBeTruthy();
  });

  it('says so when no pack is installed', async () => {
    await setup({ empty: true });
    expect(await screen.findByText('No packs installed. Import one below.')).toBeTruthy();
  });

  it('shows the details a pack declares, its homepage as a safe link', async () => {
    const { store, api } = await storeApi({ empty: true });
    await importPack(
      store,
      samplePack({
        pack: {
          id: 'test-pack',
          title: 'Test pack',
          version: '1.1.0',
          description: 'Armed groups along the Euphrates.',
          authors: ['Ana Reporter', 'Ben Desk'],
          license: 'CC-BY-4.0',
          homepage: 'https://example.org/pack',
        },
      }),
    );
    render(
      <PacksPanel
        api={api}
        revision={0}
        offerUndo={() => {}}
        focusId={null}
        navigate={() => {}}
        subscribeProgress={() => () => {}}
      />,
    );
    expect(await screen.findByText('Armed groups along the Euphrates.')).toBeTruthy();
    expect(screen.getByText('Ana Reporter, Ben Desk')).toBeTruthy();
    expect(screen.getByText('CC-BY-4.0')).toBeTruthy();
    const home = screen.getByRole('link', { name: 'example.org' });
    expect(home.getAttribute('href')).toBe('https://example.org/pack');
    expect(home.getAttribute('target')).toBe('_blank');
    expect(home.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('shows the error when the packs cannot be loaded', async () => {
    await setup({
      api: (api) => (name, input) =>
        name === 'store.stats'
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The store could not be read.' } })
          : api(name, input),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('The store could not be read.');
  });
});

describe('packs panel: export', () => {
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

  it('downloads a pack as <id>-<version>.json, with my notes when asked', async () => {
    const { api, store } = await setup();
    const downloads = captureDownloads();
    const albu = (await store.listEntities()).find((e) => e.name === 'Albu Kamal')!;
    await api('note.save', { note: { about: { type: 'entity', id: albu.id }, text: 'My own note.' } });
    fireEvent.click(await screen.findByRole('button', { name: 'Export Test pack' }));
    expect(await screen.findByText('Exported “Test pack” as test-pack-1.0.0.json.')).toBeTruthy();
    expect(downloads.names).toEqual(['test-pack-1.0.0.json']);
    const doc = JSON.parse(await downloads.blobs[0]!.text()) as PackDocument;
    expect(doc.pack.id).toBe('test-pack');
    expect(doc.entities).toHaveLength(3);
    expect(doc.notes).toBeUndefined();

    fireEvent.click(screen.getByRole('checkbox', { name: /Include my notes about its records/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Export Test pack' }));
    await waitFor(() => expect(downloads.blobs).toHaveLength(2));
    const withNotes = JSON.parse(await downloads.blobs[1]!.text()) as PackDocument;
    expect(withNotes.notes!.map((n) => n.text).sort()).toEqual(['Check SOHR figures.', 'My own note.']);
  });

  it('exports everything as backstory-export-<date>.json', async () => {
    await setup();
    const downloads = captureDownloads();
    fireEvent.click(await screen.findByRole('button', { name: 'Export everything' }));
    await waitFor(() => expect(downloads.names).toHaveLength(1));
    expect(downloads.names[0]).toMatch(/^backstory-export-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(await downloads.blobs[0]!.text()) as PackDocument;
    expect(doc.format).toBe('backstory-pack');
    expect(doc.origins!.map((o) => o.id)).toEqual(['test-pack']);
    expect(screen.getByRole('status').textContent).toMatch(/^Exported everything as backstory-export-/);
  });

  it('says so when the export fails', async () => {
    await setup({
      api: (api) => (name, input) =>
        name === 'pack.export'
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The store could not be read.' } })
          : api(name, input),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Export everything' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Not exported: The store could not be read.');
  });
});

describe('packs panel: remove', () => {
  async function withOwnNote() {
    const ctx = await setup();
    const albu = (await ctx.store.listEntities()).find((e) => e.name === 'Albu Kamal')!;
    await ctx.api('note.save', { note: { about: { type: 'entity', id: albu.id }, text: 'My own note.' } });
    fireEvent.click(await screen.findByRole('button', { name: 'Remove Test pack' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove “Test pack”?' });
    return { ...ctx, albu, dialog };
  }

  it('removes a pack, keeping the entities I wrote notes about (the default)', async () => {
    const { store, albu, dialog } = await withOwnNote();
    expect(within(dialog).getByText(/Its 3 entities and 2 events will be removed/)).toBeTruthy();
    const keep = within(dialog).getByRole('radio', { name: /Keep my notes/ }) as HTMLInputElement;
    expect(keep.checked).toBe(true);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove pack' }));
    const summary = await screen.findByText('Removed 2 entities, 2 events and 1 note; kept 1 you wrote notes about.');
    expect(summary.getAttribute('role')).toBe('status');
    await waitFor(() => expect(document.activeElement).toBe(summary));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(await screen.findByText(/No packs installed/)).toBeTruthy();
    expect(await store.getEntity(albu.id)).toMatchObject({ name: 'Albu Kamal', pack: null });
    expect((await store.notesAbout(albu.id)).map((n) => n.text)).toEqual(['My own note.']);
  });

  it('removes a pack with my notes about it when asked', async () => {
    const { store, albu, dialog } = await withOwnNote();
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Delete my notes about them' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove pack' }));
    expect(await screen.findByText('Removed 3 entities, 2 events and 2 notes.')).toBeTruthy();
    expect(await store.getEntity(albu.id)).toBeUndefined();
    expect(await store.listNotes()).toEqual([]);
  });

  it('Esc cancels and changes nothing', async () => {
    const { store, dialog } = await withOwnNote();
    const before = await dump(store);
    fireEvent(dialog, new Event('cancel', { cancelable: true }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove Test pack' }));
    expect(await dump(store)).toEqual(before);
  });

  it('keeps the dialog open with the reason when the removal fails', async () => {
    await setup({
      api: (api) => (name, input) =>
        name === 'pack.remove'
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The store is busy.' } })
          : api(name, input),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Remove Test pack' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove pack' }));
    const dialog = screen.getByRole('dialog');
    expect((await within(dialog).findByRole('alert')).textContent).toBe('The store is busy.');
  });
});

describe('packs panel: import', () => {
  it('imports a pack chosen with the file picker and shows what changed', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    choose(jsonFile(otherPack()));
    const summary = await screen.findByText('Imported “Other pack” 2.0.0: 6 added, 0 updated, 0 unchanged.');
    expect(summary.closest('[role="status"]')).toBeTruthy();
    expect((await store.stats()).packs.map((p) => p.id)).toEqual(['other-pack', 'test-pack']);
    // The list follows.
    expect(await screen.findByRole('heading', { name: 'Other pack 2.0.0' })).toBeTruthy();
  });

  it('imports a pack dropped on the drop zone', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    const zone = screen.getByRole('button', { name: 'Drop a pack (.json) or a spreadsheet (.csv) here' });
    drag(zone, 'dragenter', []);
    expect(drag(zone, 'dragover', []).defaultPrevented).toBe(true); // allows the drop
    expect(zone.classList.contains('dragging')).toBe(true);
    drag(zone, 'drop', [jsonFile(otherPack())]);
    expect(zone.classList.contains('dragging')).toBe(false);
    expect(await screen.findByText(/^Imported “Other pack” 2\.0\.0: 6 added/)).toBeTruthy();
    expect((await store.stats()).entities).toBe(6);
  });

  it('opens the file picker from the drop zone with Enter or Space', async () => {
    await setup();
    const click = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => {});
    const zone = screen.getByRole('button', { name: /^Drop a pack/ });
    expect(zone.tabIndex).toBe(0);
    fireEvent.keyDown(zone, { key: 'Enter' });
    fireEvent.keyDown(zone, { key: ' ' });
    expect(click).toHaveBeenCalledTimes(2);
  });

  it('reports the updates, kept edits and removals of a new version', async () => {
    const { api, store } = await setup();
    const hashed = (await store.listEntities()).find((e) => e.name === 'Hashed al-Shaabi')!;
    await api('entity.save', { id: hashed.id, entity: { name: 'Hashed', kind: 'group' } });
    const next = samplePack({ pack: { id: 'test-pack', title: 'Test pack', version: '1.1.0' } });
    next.entities = next.entities!.filter((e) => e.id !== 'kh');
    next.entities[1]!.summary = 'Changed summary.';
    choose(jsonFile(next));
    expect(
      await screen.findByText(/^Imported “Test pack” 1\.1\.0: 0 added, \d+ updated, \d+ unchanged\.$/),
    ).toBeTruthy();
    expect(screen.getByText('1 of your edits was kept.')).toBeTruthy();
    expect(screen.getByText('1 record the new version no longer has was removed.')).toBeTruthy();
  });

  it('refuses an invalid pack, naming the field, and changes nothing', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    const before = await dump(store);
    const bad = clone(otherPack());
    (bad.entities![2] as { aliases: unknown[] }).aliases = [''];
    choose(jsonFile(bad));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/This pack is not valid/);
    expect(within(alert).getByRole('listitem').textContent).toBe('entities[2].aliases[0]: expected a non-empty string');
    expect(alert.textContent).toContain('Nothing was changed.');
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(await dump(store)).toEqual(before);
  });

  it('refuses files that are not JSON or CSV, empty, too large or unreadable', async () => {
    await setup();
    choose(new File(['%PDF'], 'scan.pdf', { type: 'application/pdf' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/“scan\.pdf” is not a pack or a spreadsheet/);

    choose(new File([' \n'], 'empty.json', { type: 'application/json' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/“empty\.json” is empty\./));

    const big = new File(['{}'], 'huge.json', { type: 'application/json' });
    Object.defineProperty(big, 'size', { value: 65 * 1024 * 1024 });
    const read = vi.spyOn(big, 'text');
    choose(big);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/“huge\.json” is too large .*64 MB/));
    expect(read).not.toHaveBeenCalled();

    const broken = new File(['{}'], 'broken.json', { type: 'application/json' });
    Object.defineProperty(broken, 'text', { value: () => Promise.reject(new Error('the file was moved')) });
    choose(broken);
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toMatch(/“broken\.json” could not be read \(the file was moved\)/),
    );

    choose(new File(['not json'], 'notes.json', { type: 'application/json' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/not valid JSON/));
  });

  it('imports a CSV of entities after confirming what it lists, with its warnings', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    choose(new File(['name,kind,colour\nMuqtada al-Sadr,person,green\n'], 'people.csv', { type: 'text/csv' }));
    const group = await screen.findByRole('group', { name: 'What does “people.csv” list?' });
    const entities = within(group).getByRole('radio', {
      name: 'Entities (people, places, groups…)',
    }) as HTMLInputElement;
    expect(entities.checked).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(entities));
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText(/^Imported “people” [\d-]+: 1 added, 0 updated, 0 unchanged\.$/)).toBeTruthy();
    expect(screen.getByText('1 warning:')).toBeTruthy();
    expect(screen.getByText('column "colour" was ignored')).toBeTruthy();
    expect((await store.findByAlias('Muqtada al-Sadr')).map((e) => e.kind)).toEqual(['person']);
  });

  it('preselects Events for a sheet with a date column', async () => {
    const { store } = await setup();
    choose(new File(['title,date,place\nSiege of the town,2016-05,Albu Kamal\n'], 'events.csv', { type: 'text/csv' }));
    const events = (await screen.findByRole('radio', { name: 'Events' })) as HTMLInputElement;
    expect(events.checked).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText(/^Imported “events” [\d-]+: 1 added/)).toBeTruthy();
    const siege = (await store.listEvents()).find((e) => e.title === 'Siege of the town')!;
    expect(siege.place).toBe((await store.listEntities()).find((e) => e.name === 'Albu Kamal')!.id);
  });

  it('Esc leaves the CSV kind choice without importing', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    const before = await dump(store);
    choose(new File(['name\nSomeone\n'], 'people.csv', { type: 'text/csv' }));
    const entities = await screen.findByRole('radio', { name: /^Entities/ });
    await waitFor(() => expect(document.activeElement).toBe(entities));
    fireEvent.keyDown(entities, { key: 'Escape' });
    expect(screen.queryByRole('radio')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /^Drop a pack/ }));
    expect(await dump(store)).toEqual(before);
  });

  it('shows an error in a CSV with nothing changed', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Installed packs' });
    const before = await dump(store);
    choose(new File(['name,kind\nSomeone,wizard\n'], 'bad.csv', { type: 'text/csv' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/wizard/);
    expect(alert.textContent).toContain('Nothing was changed.');
    expect(await dump(store)).toEqual(before);
  });

  it('shows the progress of a large import and unsubscribes after it', async () => {
    const seen: (string | null)[] = [];
    const calls: [number, number][] = [];
    let emit: (job: string, done: number, total: number) => void = () => {};
    const { store, channel } = await setup({
      hooks: {
        progress: (job, done, total) => {
          calls.push([done, total]);
          // What the page shows when the background reports: a progress bar and its text.
          seen.push(document.querySelector('progress') && document.querySelector('.import-progress')!.textContent);
          emit(job, done, total);
        },
      },
    });
    emit = channel.emit;
    await screen.findByRole('list', { name: 'Installed packs' });
    const entities = Array.from({ length: 2000 }, (_, i) => ({ id: `e${i}`, name: `Person ${i}`, kind: 'person' }));
    choose(
      jsonFile({
        ...samplePack({ pack: { id: 'big', title: 'Big', version: '1.0.0' } }),
        entities,
        events: [],
        notes: [],
      }),
    );
    expect(
      await screen.findByText('Imported “Big” 1.0.0: 2,000 added, 0 updated, 0 unchanged.', {}, { timeout: 10_000 }),
    ).toBeTruthy();
    expect(calls.at(-1)).toEqual([2000, 2000]);
    expect(seen.some((s) => s !== null)).toBe(true);
    expect(seen).toContain('Importing… 500 of 2,000 records');
    expect(channel.subscribed()).toBe(0);
    expect((await store.stats()).entities).toBe(2003);
  });
});
