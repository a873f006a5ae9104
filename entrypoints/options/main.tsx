import { render } from 'preact';
import { callBackground } from '../../lib/client';
import Manager from './Manager';

const focus = new URLSearchParams(location.hash.slice(1)).get('entity');
render(
  <Manager
    loadStats={() => callBackground('store.stats', {})}
    loadEntities={() => callBackground('entities.list', {})}
    focusId={focus}
  />,
  document.getElementById('app')!,
);
