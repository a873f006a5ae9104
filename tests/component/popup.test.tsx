import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import App from '../../entrypoints/popup/App';
import type { Result } from '../../lib/result';
import type { StoreStats } from '../../lib/store/store';

function stats(overrides: Partial<StoreStats> = {}): StoreStats {
  return {
    entities: 27,
    events: 11,
    notes: 1,
    packs: [
      { id: 'iraq-syria-2019-2020', title: 'Iraq and Syria, 2019-2020', version: '1.0.0', entities: 27, events: 11 },
    ],
    ...overrides,
  };
}

const renderWith = (load: () => Promise<Result<StoreStats>>) => render(<App loadStats={load} />);

describe('popup', () => {
  it('says it is loading until the store answers', () => {
    renderWith(() => new Promise(() => {}));
    expect(screen.getByRole('status').textContent).toMatch(/Loading/);
  });

  it('shows the totals and each installed pack', async () => {
    renderWith(async () => ({ ok: true, value: stats() }));
    const list = await screen.findByRole('list', { name: 'Installed packs' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(1);
    expect(within(items[0]!).getByText('Iraq and Syria, 2019-2020')).toBeTruthy();
    expect(within(items[0]!).getByText('27 entities, 11 events')).toBeTruthy();
    expect(screen.getByText(/27 entities · 11 events · 1 note$/)).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'Backstory' })).toBeTruthy();
  });

  it('says so when no pack is installed', async () => {
    renderWith(async () => ({ ok: true, value: stats({ entities: 0, events: 0, notes: 0, packs: [] }) }));
    expect(await screen.findByText('No packs installed.')).toBeTruthy();
  });

  it('shows the error in plain words when the store cannot be read', async () => {
    renderWith(async () => ({
      ok: false,
      error: { code: 'storage-failed', message: 'The store could not be opened.' },
    }));
    expect((await screen.findByRole('alert')).textContent).toBe('The store could not be opened.');
  });
});
