import { render } from 'preact';
import CardFrame from '../../components/card/CardFrame';
import css from '../../components/card/card.css?inline';
import { waitForCardInit } from '../../lib/client';

// In a frame fitted to the card: the card fills the frame and scrolls inside it; the host draws the shadow.
const style = document.createElement('style');
style.textContent = `${css}
html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; }
.bs-frame { --backstory-card-width: 100%; --backstory-card-max-width: none; --backstory-card-max-height: 100vh; }
.bs-frame .bs-card { box-shadow: none; animation: none; }`;
document.head.append(style);

// The content script that created this frame hands over its channel once the frame has loaded; only a
// message naming the random token of this frame's URL and holding Backstory's key is taken (see
// waitForCardInit). Listening starts here, before anything renders, so the handover cannot be missed.
void waitForCardInit(window, location.hash.slice(1)).then((port) =>
  render(<CardFrame port={port} />, document.getElementById('app')!),
);
