import { render } from 'preact';
import { browser } from 'wxt/browser';
import { backgroundApi } from '../../components/ui/api';
import { isProgressMessage } from '../../lib/messages';
import { storeRevisionItem } from '../../lib/settings';
import { syncSettingsItem, syncStatusItem } from '../../lib/sync/settings';
import Manager, { parseRoute, routeHash } from './Manager';
import type { SubscribeProgress } from '../../components/manager/types';
import '../../components/ui/ui.css';
import './manager.css';

const subscribeProgress: SubscribeProgress = (job, onProgress) => {
  const listener = (message: unknown) => {
    if (isProgressMessage(message) && message.job === job) onProgress(message.done, message.total);
    return undefined;
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
};

/** Asks for access to a sync server's origin (the browser shows its own prompt); false when refused. */
async function requestHost(url: string): Promise<boolean> {
  try {
    return await browser.permissions.request({ origins: [`${new URL(url).origin}/*`] });
  } catch {
    return false;
  }
}

render(
  <Manager
    api={backgroundApi}
    initial={parseRoute(location.hash)}
    watchRevision={(onChange) => storeRevisionItem.watch(onChange)}
    subscribeProgress={subscribeProgress}
    onRoute={(route) => history.replaceState(null, '', routeHash(route))}
    requestHost={requestHost}
    watchStatus={(cb) => syncStatusItem.watch((s) => cb(s))}
    getStatus={() => syncStatusItem.getValue()}
    getSettings={() => syncSettingsItem.getValue()}
  />,
  document.getElementById('app')!,
);
