import { render } from 'preact';
import CardFrame from '../../components/card/CardFrame';
import css from '../../components/card/card.css?inline';
import type { CardFrameInit } from '../../lib/messages';

// In a frame fitted to the card: the card fills the frame and scrolls inside it; the host draws the shadow.
const style = document.createElement('style');
style.textContent = `${css}
html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; }
.bs-frame { --backstory-card-width: 100%; --backstory-card-max-width: none; --backstory-card-max-height: 100vh; }
.bs-frame .bs-card { box-shadow: none; animation: none; }`;
document.head.append(style);

// The content script that created this frame hands over its channel once the frame has loaded; only a
// message carrying the random token of this frame's URL is taken. Listening starts here, before
// anything renders, so the handover cannot be missed.
const token = location.hash.slice(1);
const onInit = (e: MessageEvent<CardFrameInit>) => {
  const port = e.ports[0];
  if (!port || e.source !== window.parent || e.data?.backstoryCardInit !== token) return;
  window.removeEventListener('message', onInit);
  render(<CardFrame port={port} />, document.getElementById('app')!);
};
window.addEventListener('message', onInit);
