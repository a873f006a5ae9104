import { render } from 'preact';
import { callBackground } from '../../lib/client';
import App from './App';

render(<App loadStats={() => callBackground('store.stats', {})} />, document.getElementById('app')!);
