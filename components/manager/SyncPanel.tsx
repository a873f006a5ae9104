import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { statusLine, type SyncSettings, type SyncStatus } from '../../lib/sync/settings';
import { Field } from '../ui/Field';
import { InlineConfirm } from '../ui/InlineConfirm';
import { Message } from '../ui/Message';
import { downloadText } from './EntityList';
import { fieldErrors, plural, type Api } from '../ui/api';
import ConflictsView from './ConflictsView';
import SnapshotsView, { type StorageAccess } from './SnapshotsView';
import type { PanelProps } from './types';
import './panels.css';
import './sync.css';

export interface SyncPanelProps extends PanelProps {
  /** Asks the browser (and so the user) for access to the server's origin; false when refused. */
  requestHost: (url: string) => Promise<boolean>;
  /** Calls back whenever the background's sync status changes; returns an unsubscribe function. */
  watchStatus: (cb: (s: SyncStatus) => void) => () => void;
  getStatus: () => Promise<SyncStatus>;
  getSettings: () => Promise<SyncSettings>;
  /** The browser's storage manager (persistence); default `navigator.storage`, tests pass a fake. */
  storage?: StorageAccess | null;
}

const browserStorage = (): StorageAccess | null =>
  typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null;

const MIN_PASSPHRASE = 8;

const STATE_LABEL: Record<SyncStatus['state'], string> = {
  off: 'Not set up',
  idle: 'Ready',
  syncing: 'Syncing…',
  paused: 'Paused, waiting for you',
  error: 'Stopped by an error',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "5 minutes ago", "yesterday" … */
function ago(ms: number, now: number): string {
  const s = Math.round((ms - now) / 1000);
  if (Math.abs(s) < 45) return 'just now';
  if (Math.abs(s) < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (Math.abs(s) < 86_400) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86_400), 'day');
}

function When({ ms, now, rel = false }: { ms: number; now: number; rel?: boolean }) {
  return (
    <time dateTime={new Date(ms).toISOString()} title={dateTime.format(ms)}>
      {rel ? ago(ms, now) : dateTime.format(ms)}
    </time>
  );
}

/** The current time, refreshed every half minute (relative times stay true while the page is open). */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The origin of an address, or null when it is not an http(s) address. */
function originOf(url: string): string | null {
  try {
    const u = new URL(url.trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

const readError = (e: unknown) => `The sync settings could not be read: ${e instanceof Error ? e.message : String(e)}`;

/**
 * The manager's sync panel: the status (with the choice a paused sync waits for), the connection
 * and its settings, conflicts to settle, recent syncs to undo, encrypted backup files, and this
 * device's local snapshots.
 */
export default function SyncPanel({
  api,
  revision,
  requestHost,
  watchStatus,
  getStatus,
  getSettings,
  storage = browserStorage(),
}: SyncPanelProps) {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [settings, setSettings] = useState<SyncSettings | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [syncError, setSyncError] = useState<string | null>(null);
  // Bumped after this panel's own writes and settings changes (the page's revision follows store
  // writes too, but not in tests, and not settings).
  const [tick, setTick] = useState(0);
  const now = useNow();
  const fail = (e: unknown) => setFailed(readError(e));

  useEffect(() => {
    let current = true;
    // The watch may report a newer status before the first read answers: keep that one.
    getStatus().then((s) => current && setStatus((prev) => prev ?? s), fail);
    const stop = watchStatus((s) => setStatus(s));
    return () => {
      current = false;
      stop();
    };
  }, [getStatus, watchStatus]);

  // Settings change on connect and disconnect (here, or in another manager tab).
  const off = status?.state === 'off';
  useEffect(() => {
    let current = true;
    getSettings().then((s) => current && setSettings(s), fail);
    return () => {
      current = false;
    };
  }, [getSettings, off, tick]);

  const syncNow = async (allowLoss: boolean) => {
    setSyncing(true);
    setSyncError(null);
    const r = await api('sync.now', { allowLoss });
    setSyncing(false);
    if (!r.ok) return setSyncError(r.error.message);
    setStatus(r.value);
  };

  const changed = (next: SyncStatus) => {
    setStatus(next);
    setTick((t) => t + 1);
  };

  const reloadKey = `${revision}:${tick}:${status?.at ?? ''}`;
  return (
    <section class="panel sync-panel" aria-labelledby="sync-title">
      <h2 id="sync-title">Sync</h2>
      <p class="muted">
        Keep the same store in your other browsers, through a server you choose. Each device keeps a full copy.
      </p>
      {failed && (
        <p role="alert" class="error">
          {failed}
        </p>
      )}
      {!failed && (!status || !settings) && (
        <p role="status" class="muted">
          Loading sync settings…
        </p>
      )}
      {status && settings && (
        <>
          <StatusCard
            status={status}
            thisDevice={settings.backend === 'off' ? null : (status.thisDevice ?? null)}
            syncing={syncing || status.state === 'syncing'}
            syncError={syncError}
            now={now}
            onSync={(allowLoss) => void syncNow(allowLoss)}
          />
          {settings.backend === 'browser' && <QuotaMeter api={api} reloadKey={reloadKey} />}
          <Connection api={api} settings={settings} requestHost={requestHost} onChanged={changed} />
        </>
      )}
      <ConflictsView api={api} reloadKey={reloadKey} onResolved={() => setTick((t) => t + 1)} />
      <RecentSyncs api={api} reloadKey={reloadKey} now={now} onRestored={() => setTick((t) => t + 1)} />
      <Backup api={api} onImported={() => setTick((t) => t + 1)} />
      <SnapshotsView
        api={api}
        reloadKey={reloadKey}
        storage={storage}
        evictionExempt={import.meta.env.CHROME}
        onRestored={() => setTick((t) => t + 1)}
      />
    </section>
  );
}

/** How full the browser's sync storage is: it holds 102,400 bytes in all, for every device's copy. */
function QuotaMeter({ api, reloadKey }: { api: Api; reloadKey: string }) {
  const [quota, setQuota] = useState<{ used: number; total: number; ratio: number } | null>(null);
  useEffect(() => {
    void api('sync.quota', {}).then((r) => setQuota(r.ok ? r.value : null));
  }, [api, reloadKey]);
  if (!quota) return null;
  const id = 'sync-quota-label';
  return (
    <div class="sync-quota">
      <p id={id}>
        This browser’s sync storage: {quota.used.toLocaleString()} of {quota.total.toLocaleString()} bytes used (
        {Math.round(quota.ratio * 100)} %).
      </p>
      <meter aria-labelledby={id} min={0} max={1} low={0.7} high={0.9} optimum={0} value={quota.ratio} />
      {quota.ratio > 0.9 && <p class="error">Almost full: a store this size needs a WebDAV server to keep syncing.</p>}
    </div>
  );
}

function StatusCard(props: {
  status: SyncStatus;
  /** This device's name, to mark it among the devices. */
  thisDevice: string | null;
  syncing: boolean;
  syncError: string | null;
  now: number;
  onSync: (allowLoss: boolean) => void;
}) {
  const { status, syncing, now } = props;
  // "Keep my data": the user answered this pause (a later pause asks again).
  const [kept, setKept] = useState<number | null>(null);
  const state = syncing ? 'syncing' : status.state;
  return (
    <section class="sync-card" aria-labelledby="sync-status-title">
      <h3 id="sync-status-title">Status</h3>
      {status.state === 'error' ? (
        <p role="alert" class="error sync-line" dir="auto">
          {status.message}
        </p>
      ) : (
        <p class="sync-line">{statusLine(status, now)}</p>
      )}
      <dl class="sync-facts">
        <div>
          <dt>State</dt>
          <dd>{STATE_LABEL[state]}</dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>{status.at ? <When ms={status.at} now={now} /> : 'Never'}</dd>
        </div>
      </dl>
      {/* Always rendered, and changed only when a sync ends: a live region that announces outcomes. */}
      <p class="sync-message" aria-live="polite" dir="auto">
        {!syncing && (status.state === 'idle' || status.state === 'paused') ? status.message : ''}
      </p>
      {status.state === 'paused' &&
        status.lossy &&
        (kept === status.at ? (
          <p role="status">Sync stays paused and nothing was deleted. It will ask again at the next sync.</p>
        ) : (
          <LossChoice
            lossy={status.lossy}
            busy={syncing}
            onSyncAnyway={() => props.onSync(true)}
            onKeep={() => setKept(status.at)}
          />
        ))}
      {status.state !== 'off' && (
        <div class="actions sync-now">
          <button type="button" class="primary" disabled={syncing} onClick={() => props.onSync(false)}>
            Sync now
          </button>
          {/* Always rendered: a live region announces what is put into it. */}
          <span role="status">{syncing ? 'Syncing… a large store can take a minute.' : ''}</span>
        </div>
      )}
      {props.syncError && (
        <p role="alert" class="error">
          {props.syncError}
        </p>
      )}
      {status.devices && status.devices.length > 0 && (
        <>
          <h4 id="sync-devices-title">Devices</h4>
          <ul class="sync-devices" aria-labelledby="sync-devices-title">
            {status.devices.map((d) => (
              <li key={d.id}>
                <span class="device-name" dir="auto">
                  {d.name}
                </span>
                {d.id === props.thisDevice && <span class="sync-badge">this device</span>}
                <span class="muted">
                  last sent changes <When ms={Date.parse(d.updated)} now={now} rel />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** What a paused sync would delete, and the two ways on. */
function LossChoice(props: {
  lossy: NonNullable<SyncStatus['lossy']>;
  busy: boolean;
  onSyncAnyway: () => void;
  onKeep: () => void;
}) {
  const { lossy } = props;
  return (
    <div class="sync-paused" role="group" aria-labelledby="sync-loss-title">
      <p id="sync-loss-title">
        <strong>This sync would delete {plural(lossy.count, 'record')} on this device.</strong>
      </p>
      {lossy.byDevice.length > 0 && (
        <ul class="sync-loss-devices">
          {lossy.byDevice.map((d) => (
            <li key={d.name}>
              <span dir="auto">{d.name}</span> deleted {plural(d.count, 'record')}
            </li>
          ))}
        </ul>
      )}
      {lossy.examples.length > 0 && (
        <p>
          For example: <span dir="auto">{lossy.examples.join(', ')}</span>
          {lossy.count > lossy.examples.length ? ' …' : ''}
        </p>
      )}
      <p class="muted">
        “Sync anyway” deletes them here too (you can undo it under Recent syncs). “Keep my data” leaves sync paused and
        deletes nothing.
      </p>
      <div class="actions">
        <button type="button" class="danger" disabled={props.busy} onClick={props.onSyncAnyway}>
          Sync anyway
        </button>
        <button type="button" onClick={props.onKeep}>
          Keep my data (stay paused)
        </button>
      </div>
    </div>
  );
}

/** Where this device syncs, with change and disconnect; the setup form when it does not sync. */
function Connection(props: {
  api: Api;
  settings: SyncSettings;
  requestHost: (url: string) => Promise<boolean>;
  onChanged: (status: SyncStatus) => void;
}) {
  const { api, settings } = props;
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const changeButton = useRef<HTMLButtonElement>(null);
  const disconnectButton = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const connected = settings.backend !== 'off';
  // The control that was used is gone once the section switches between form and summary.
  const focusHeading = () => setTimeout(() => heading.current?.focus());

  const disconnect = async () => {
    setBusy(true);
    const r = await api('sync.disconnect', {});
    setBusy(false);
    setConfirming(false);
    if (!r.ok) return setError(`Not disconnected: ${r.error.message}`);
    setError(null);
    props.onChanged(r.value);
    focusHeading();
  };

  if (!connected || editing)
    return (
      <section class="sync-section" aria-labelledby="sync-setup-title">
        <h3 id="sync-setup-title" ref={heading} tabIndex={-1}>
          {connected ? 'Change sync settings' : 'Set up sync'}
        </h3>
        <SetupForm
          api={api}
          settings={settings}
          requestHost={props.requestHost}
          onConnected={(s) => {
            setEditing(false);
            props.onChanged(s);
            focusHeading();
          }}
          onCancel={
            connected
              ? () => {
                  setEditing(false);
                  setTimeout(() => changeButton.current?.focus());
                }
              : null
          }
        />
      </section>
    );
  return (
    <section class="sync-section" aria-labelledby="sync-setup-title">
      <h3 id="sync-setup-title" ref={heading} tabIndex={-1}>
        Connection
      </h3>
      <dl class="sync-facts">
        <div>
          <dt>Syncs through</dt>
          <dd dir="auto">{settings.backend === 'webdav' ? settings.url : 'This browser’s own sync'}</dd>
        </div>
        {settings.backend === 'webdav' && settings.username && (
          <div>
            <dt>User name</dt>
            <dd dir="auto">{settings.username}</dd>
          </div>
        )}
        <div>
          <dt>This device is called</dt>
          <dd dir="auto">{settings.deviceName}</dd>
        </div>
        <div>
          <dt>On the server</dt>
          <dd>{settings.encrypted ? 'Encrypted' : 'Not encrypted'}</dd>
        </div>
      </dl>
      {confirming ? (
        <InlineConfirm
          question="Stop syncing this device? Your records stay here and on the server; this device forgets the password and the passphrase."
          yes="Disconnect"
          busy={busy}
          onYes={() => void disconnect()}
          onCancel={() => {
            setConfirming(false);
            setTimeout(() => disconnectButton.current?.focus());
          }}
        />
      ) : (
        <div class="actions">
          <button
            type="button"
            ref={changeButton}
            onClick={() => {
              setEditing(true);
              focusHeading();
            }}
          >
            Change settings
          </button>
          <button type="button" class="danger" ref={disconnectButton} onClick={() => setConfirming(true)}>
            Disconnect
          </button>
        </div>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}

interface SetupValues {
  backend: 'webdav' | 'browser';
  url: string;
  username: string;
  password: string;
  deviceName: string;
  encrypt: boolean;
  passphrase: string;
  confirm: string;
}

/** The form's own checks, before anything is sent; the message of each field that fails. */
function validate(v: SetupValues, keptPassword: string | null): Record<string, string> {
  const errors: Record<string, string> = {};
  if (v.backend === 'webdav') {
    if (!v.url.trim()) errors.url = 'Enter the address of the folder on your server.';
    else if (!originOf(v.url)) errors.url = 'Enter a full address, starting with https://';
    if (v.username.trim() && !v.password && keptPassword === null)
      errors.password = 'Enter the password for this server and user name.';
  }
  if (v.encrypt) {
    if (v.passphrase.length < MIN_PASSPHRASE) errors.passphrase = `Use at least ${MIN_PASSPHRASE} characters.`;
    else if (v.confirm !== v.passphrase) errors.confirm = 'The two passphrases differ.';
  }
  return errors;
}

const FIELD_ORDER = ['url', 'username', 'password', 'deviceName', 'passphrase', 'confirm'];

function SetupForm(props: {
  api: Api;
  settings: SyncSettings;
  requestHost: (url: string) => Promise<boolean>;
  onConnected: (status: SyncStatus) => void;
  /** Null when there is nothing to go back to (sync is not set up). */
  onCancel: (() => void) | null;
}) {
  const { settings } = props;
  const id = useId();
  const [v, setV] = useState<SetupValues>({
    backend: settings.backend === 'browser' ? 'browser' : 'webdav',
    url: settings.url,
    username: settings.username,
    password: '',
    deviceName: settings.deviceName,
    encrypt: settings.backend === 'off' || settings.encrypted,
    passphrase: '',
    confirm: '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tested, setTested] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const set = <K extends keyof SetupValues>(key: K, value: SetupValues[K]) => setV((old) => ({ ...old, [key]: value }));

  // The saved password is kept (never shown) while the server and the user name stay the same: it is
  // never sent to another server.
  const hasSaved = settings.backend === 'webdav' && settings.password !== '';
  const keptPassword =
    hasSaved && originOf(v.url) === originOf(settings.url) && v.username.trim() === settings.username
      ? settings.password
      : null;

  const focusFirstError = (found: Record<string, string>) => {
    const first = FIELD_ORDER.find((f) => found[f]);
    if (first) setTimeout(() => form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setAlert(null);
    const found = validate(v, keptPassword);
    setErrors(found);
    if (Object.keys(found).length) return focusFirstError(found);
    setBusy(true);
    // Asked first, before any other await: the browser shows its prompt only while it still sees the
    // user's click.
    if (v.backend === 'webdav' && !(await props.requestHost(v.url.trim()))) {
      setBusy(false);
      return setAlert(`Backstory needs permission to reach ${new URL(v.url.trim()).host} to sync.`);
    }
    const r = await props.api('sync.configure', {
      backend: v.backend,
      ...(v.backend === 'webdav'
        ? { url: v.url.trim(), username: v.username.trim(), password: v.password || keptPassword || '' }
        : {}),
      deviceName: v.deviceName.trim(),
      ...(v.encrypt ? { passphrase: v.passphrase } : {}),
    });
    setBusy(false);
    if (!r.ok) {
      const fields = fieldErrors(r.error);
      setErrors(fields);
      focusFirstError(fields);
      return setAlert(r.error.message);
    }
    props.onConnected(r.value);
  };

  /** Reaches the server with these settings and says what is there, changing nothing. */
  const test = async () => {
    setAlert(null);
    setTested(null);
    if (v.backend === 'webdav') {
      const found = validate({ ...v, encrypt: false }, keptPassword);
      setErrors(found);
      if (Object.keys(found).length) return focusFirstError(found);
      if (!(await props.requestHost(v.url.trim())))
        return setAlert(`Backstory needs permission to reach ${new URL(v.url.trim()).host} to sync.`);
    }
    setTested('Testing…');
    const r = await props.api('sync.test', {
      backend: v.backend,
      ...(v.backend === 'webdav'
        ? { url: v.url.trim(), username: v.username.trim(), password: v.password || keptPassword || '' }
        : {}),
    });
    setTested(r.ok ? r.value.message : null);
    if (!r.ok) setAlert(r.error.message);
  };

  const fieldProps = (name: keyof SetupValues) => ({
    name,
    value: v[name] as string,
    onInput: (e: Event) => set(name, (e.currentTarget as HTMLInputElement).value),
  });

  return (
    <form
      ref={form}
      class="sync-form"
      noValidate
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && props.onCancel) {
          e.preventDefault();
          props.onCancel();
        }
      }}
    >
      {alert && (
        <p role="alert" class="error form-alert" dir="auto">
          {alert}
        </p>
      )}
      <fieldset>
        <legend>Sync through</legend>
        <label class="check">
          <input
            type="radio"
            name={`${id}-backend`}
            checked={v.backend === 'webdav'}
            onChange={() => set('backend', 'webdav')}
          />
          A WebDAV server (Nextcloud, ownCloud, any WebDAV)
        </label>
        <label class="check">
          <input
            type="radio"
            name={`${id}-backend`}
            checked={v.backend === 'browser'}
            onChange={() => set('backend', 'browser')}
          />
          This browser’s own sync (same browser brand only, small stores)
        </label>
      </fieldset>
      {v.backend === 'webdav' && (
        <>
          <Field
            label="Server folder address"
            error={errors.url}
            hint="Nextcloud: https://cloud.example/remote.php/dav/files/USER/ (Backstory keeps its files in a “backstory” folder there)."
          >
            {(ids) => <input {...ids} {...fieldProps('url')} type="url" inputMode="url" autoComplete="url" dir="ltr" />}
          </Field>
          <div class="field-pair">
            <Field label="User name" error={errors.username}>
              {(ids) => <input {...ids} {...fieldProps('username')} autoComplete="username" dir="auto" />}
            </Field>
            <Field
              label="App password"
              error={errors.password}
              hint={
                (hasSaved ? 'A password is saved: leave this empty to keep it. ' : '') +
                'Nextcloud and ownCloud: Settings → Security → Create new app password. It stays on this device.'
              }
            >
              {(ids) => (
                <input
                  {...ids}
                  {...fieldProps('password')}
                  type="password"
                  autoComplete="off"
                  placeholder={hasSaved ? '••••' : undefined}
                />
              )}
            </Field>
          </div>
        </>
      )}
      <Field label="Device name" error={errors.deviceName} hint="How your other devices see this one.">
        {(ids) => (
          <input {...ids} {...fieldProps('deviceName')} maxLength={100} placeholder="Firefox on laptop" dir="auto" />
        )}
      </Field>
      <fieldset>
        <legend>Encryption</legend>
        <label class="check">
          <input type="checkbox" checked={v.encrypt} onChange={(e) => set('encrypt', e.currentTarget.checked)} />
          Encrypt everything on the server (recommended)
        </label>
        {v.encrypt && (
          <>
            <p class="sync-warning">
              If you lose this passphrase, the synced copy cannot be read. Your data on this device is not affected.
            </p>
            <div class="field-pair">
              <Field
                label="Passphrase"
                error={errors.passphrase}
                hint="At least 8 characters. If another device already syncs here, use its passphrase."
              >
                {(ids) => <input {...ids} {...fieldProps('passphrase')} type="password" autoComplete="new-password" />}
              </Field>
              <Field label="Repeat the passphrase" error={errors.confirm}>
                {(ids) => <input {...ids} {...fieldProps('confirm')} type="password" autoComplete="new-password" />}
              </Field>
            </div>
          </>
        )}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Connect and sync
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void test()}>
          Test connection
        </button>
        <span role="status">{busy ? 'Connecting and running the first sync…' : (tested ?? '')}</span>
      </div>
    </form>
  );
}

type Snapshot = { id: string; at: number; records: number };
type LoadedSnapshots =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; list: Snapshot[] };

/** The last syncs that changed this device, each with "Undo this sync". */
function RecentSyncs(props: { api: Api; reloadKey: string; now: number; onRestored: () => void }) {
  const { api } = props;
  const [loaded, setLoaded] = useState<LoadedSnapshots>({ state: 'loading' });
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const messageBox = useRef<HTMLParagraphElement>(null);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    let current = true;
    void api('sync.snapshots', {}).then((r) => {
      if (current) setLoaded(r.ok ? { state: 'ready', list: r.value } : { state: 'error', message: r.error.message });
    });
    return () => {
      current = false;
    };
  }, [api, props.reloadKey]);

  const restore = async (id: string) => {
    setBusy(true);
    const r = await api('sync.restore', { id });
    setBusy(false);
    setConfirming(null);
    setMessage(
      r.ok
        ? {
            text: `Restored ${plural(r.value.restored, 'record')} as ${r.value.restored === 1 ? 'it was' : 'they were'} before that sync.`,
            error: false,
          }
        : { text: `Not restored: ${r.error.message}`, error: true },
    );
    setTimeout(() => messageBox.current?.focus());
    if (r.ok) props.onRestored();
  };

  return (
    <section class="sync-section" aria-labelledby="sync-recent-title">
      <h3 id="sync-recent-title">Recent syncs</h3>
      <Message message={message} box={messageBox} />
      {loaded.state === 'loading' && (
        <p role="status" class="muted">
          Loading recent syncs…
        </p>
      )}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          The recent syncs could not be loaded: {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' && loaded.list.length === 0 && (
        <p class="empty">No sync has changed anything on this device yet.</p>
      )}
      {loaded.state === 'ready' && loaded.list.length > 0 && (
        <ul class="sync-snapshots" aria-labelledby="sync-recent-title" ref={list}>
          {loaded.list.map((s) => (
            <li key={s.id}>
              <span>
                <When ms={s.at} now={props.now} /> · {plural(s.records, 'record')} changed
              </span>
              {confirming === s.id ? (
                <InlineConfirm
                  question={`Put back the ${plural(s.records, 'record')} this sync changed, as ${s.records === 1 ? 'it was' : 'they were'} before it? This syncs to your other devices too.`}
                  yes="Undo this sync"
                  busy={busy}
                  onYes={() => void restore(s.id)}
                  onCancel={() => {
                    setConfirming(null);
                    // Back to the button that asked (it is rendered again in place of the question).
                    setTimeout(() => list.current?.querySelector<HTMLElement>(`[data-undo="${s.id}"]`)?.focus());
                  }}
                />
              ) : (
                <button type="button" data-undo={s.id} onClick={() => setConfirming(s.id)}>
                  Undo this sync<span class="visually-hidden"> of {dateTime.format(s.at)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Encrypted backup files: export everything, or merge one in. */
function Backup({ api, onImported }: { api: Api; onImported: () => void }) {
  return (
    <section class="sync-section" aria-labelledby="sync-backup-title">
      <h3 id="sync-backup-title">Backup</h3>
      <p class="muted">
        A file with your whole store, encrypted with a passphrase. Importing one merges it into the store: nothing of
        yours is overwritten.
      </p>
      <div class="sync-backup">
        <ExportBackup api={api} />
        <ImportBackup api={api} onImported={onImported} />
      </div>
    </section>
  );
}

function ExportBackup({ api }: { api: Api }) {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const found: Record<string, string> = {};
    if (passphrase.length < MIN_PASSPHRASE) found.passphrase = `Use at least ${MIN_PASSPHRASE} characters.`;
    else if (confirm !== passphrase) found.confirm = 'The two passphrases differ.';
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const r = await api('backup.export', { passphrase });
    setBusy(false);
    if (!r.ok) return setMessage({ text: `Not exported: ${r.error.message}`, error: true });
    downloadText(r.value.text, r.value.fileName);
    setPassphrase('');
    setConfirm('');
    setMessage({
      text: `Saved ${r.value.fileName}. Keep the passphrase safe: without it the backup cannot be read.`,
      error: false,
    });
  };

  return (
    <form class="sync-form" noValidate aria-labelledby="sync-export-title" onSubmit={(e) => void submit(e)}>
      <h4 id="sync-export-title">Export an encrypted backup</h4>
      <Field label="Backup passphrase" error={errors.passphrase} hint="At least 8 characters.">
        {(ids) => (
          <input
            {...ids}
            type="password"
            autoComplete="new-password"
            value={passphrase}
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Repeat the backup passphrase" error={errors.confirm}>
        {(ids) => (
          <input
            {...ids}
            type="password"
            autoComplete="new-password"
            value={confirm}
            onInput={(e) => setConfirm(e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Export backup
        </button>
        <span role="status">{busy ? 'Encrypting…' : ''}</span>
      </div>
      <Message message={message} />
    </form>
  );
}

function ImportBackup({ api, onImported }: { api: Api; onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const found: Record<string, string> = {};
    if (!file) found.file = 'Choose a backup file.';
    if (!passphrase) found.passphrase = 'Enter the passphrase the backup was made with.';
    setErrors(found);
    if (!file || Object.keys(found).length) return;
    setBusy(true);
    const r = await api('backup.import', { text: await file.text(), passphrase });
    setBusy(false);
    if (!r.ok) return setMessage({ text: `Not imported: ${r.error.message}`, error: true });
    setPassphrase('');
    setMessage({
      text: `Merged: ${plural(r.value.changed, 'record')} changed. Nothing of yours was overwritten.`,
      error: false,
    });
    onImported();
  };

  return (
    <form class="sync-form" noValidate aria-labelledby="sync-import-title" onSubmit={(e) => void submit(e)}>
      <h4 id="sync-import-title">Import a backup</h4>
      <Field label="Backup file" error={errors.file}>
        {(ids) => (
          <input
            {...ids}
            type="file"
            accept=".json,application/json"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        )}
      </Field>
      <Field label="Passphrase of the backup" error={errors.passphrase}>
        {(ids) => (
          <input
            {...ids}
            type="password"
            autoComplete="off"
            value={passphrase}
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Import backup
        </button>
        <span role="status">{busy ? 'Decrypting and merging…' : ''}</span>
      </div>
      <Message message={message} />
    </form>
  );
}
