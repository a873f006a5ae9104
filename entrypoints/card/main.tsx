import { render } from 'preact';
import CardFrame from '../../components/card/CardFrame';
import css from '../../components/card/card.css?inline';

const style = document.createElement('style');
// In a frame fitted to the card: the card fills the frame and scrolls inside it; the host draws the shadow.
style.textContent = `${css}
html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; }
.bs-frame { --backstory-card-width: 100%; --backstory-card-max-width: none; --backstory-card-max-height: 100vh; }
.bs-frame .bs-card { box-shadow: none; animation: none; }`;
document.head.append(style);
render(<CardFrame token={location.hash.slice(1)} />, document.getElementById('app')!);
