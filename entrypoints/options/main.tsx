import { render } from 'preact';
import { browser } from 'wxt/browser';
import { backgroundApi } from '../../components/ui/api';
import { isProgressMessage } from '../../lib/messages';
import { storeRevisionItem } from '../../lib/settings';
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

render(
  <Manager
    api={backgroundApi}
    initial={parseRoute(location.hash)}
    watchRevision={(onChange) => storeRevisionItem.watch(onChange)}
    subscribeProgress={subscribeProgress}
    onRoute={(route) => history.replaceState(null, '', routeHash(route))}
  />,
  document.getElementById('app')!,
);
