/**
 * The card's host on the page (lib/content/card-host.ts): the one element Backstory adds to a page
 * shows the page nothing of the entity, hands the frame its channel only with the handshake key and
 * only to the extension's origin, and once destroyed never comes back.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { cardFrameKey } from '../../lib/client';
import { CARD_HOST_TAG, CardHost } from '../../lib/content/card-host';
import type { Mark } from '../../lib/content/marks';

const SECRET = { id: 'entity-id-zq81', name: 'Harlan Vetch zq81name' };

let shadows: ShadowRoot[];

beforeEach(() => {
  document.body.innerHTML = '<p id="p">Harlan Vetch spoke at the council.</p>';
  // The content script's own view of the closed shadow root (a page script never gets it).
  shadows = [];
  const attach = Element.prototype.attachShadow;
  vi.spyOn(Element.prototype, 'attachShadow').mockImplementation(function (this: Element, init) {
    const root = attach.call(this, init);
    shadows.push(root);
    return root;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  document.querySelectorAll(CARD_HOST_TAG).forEach((h) => h.remove());
});

function mark(): Mark {
  const p = document.getElementById('p')!;
  const text = p.firstChild as Text;
  const range = document.createRange();
  range.setStart(text, 0);
  range.setEnd(text, 'Harlan Vetch'.length);
  return { range, entity: { ...SECRET, kind: 'person' }, text: 'Harlan Vetch', nodes: [text], container: p };
}

const newHost = () => new CardHost(document, { onEnter() {}, onLeave() {}, onClose() {}, onPin() {} });

describe('the card host', () => {
  it('shows the page one element with nothing of the entity: no name, no id, a closed shadow root', () => {
    const host = newHost();
    const m = mark();
    host.prefetch(m, { x: 5, y: 5 }, 'light');
    host.show(m, { x: 5, y: 5 }, 'light', true);

    const elements = document.querySelectorAll(CARD_HOST_TAG);
    expect(elements).toHaveLength(1);
    const el = elements[0]!;
    // Only how it is drawn: no label, title, id or data attribute that could carry a name.
    for (const attribute of el.getAttributeNames()) expect(['aria-hidden', 'popover', 'style']).toContain(attribute);
    expect(el.shadowRoot).toBeNull();
    expect(el.childNodes).toHaveLength(0);
    const html = document.documentElement.outerHTML;
    for (const secret of [SECRET.id, SECRET.name, 'zq81']) expect(html).not.toContain(secret);
    expect(document.title).not.toContain('zq81');
  });

  it('hands the frame its channel with the stored key, addressed to the extension’s origin only', async () => {
    const host = newHost();
    host.warm();
    const frame = shadows[0]!.querySelector('iframe')!;
    expect(frame.src).toBe(fakeBrowser.runtime.getURL(`/card.html#${host.token}` as '/card.html'));
    const postMessage = vi.fn();
    Object.defineProperty(frame, 'contentWindow', { value: { postMessage } });

    frame.dispatchEvent(new Event('load'));

    await vi.waitFor(() => expect(postMessage).toHaveBeenCalledTimes(1));
    const [init, targetOrigin, transfer] = postMessage.mock.calls[0]!;
    expect(init).toEqual({ backstoryCardInit: host.token, key: await cardFrameKey() });
    expect(targetOrigin).toBe(fakeBrowser.runtime.getURL('/'));
    expect(transfer).toHaveLength(1);
  });

  it('once destroyed, is gone for good: a late pointer frame or card message builds nothing', () => {
    const host = newHost();
    const m = mark();
    host.show(m, { x: 5, y: 5 }, 'light', false);
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(1);

    host.destroy();
    host.warm();
    host.prefetch(m, { x: 5, y: 5 }, 'light');
    host.show(m, { x: 5, y: 5 }, 'light', true);
    host.setHeight(300);

    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    expect(host.isOpen).toBe(false);
  });
});
