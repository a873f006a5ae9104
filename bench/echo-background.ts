/**
 * Background of the benchmark's "echo" extension (built by bench/run.mjs into .tmp/bench/echo-ext): it
 * compiles the same dictionaries as the harness and answers over real runtime messaging, so both
 * transport designs can be timed from an extension page with Chromium's own message serialization:
 * - `match`: design A, the page's texts in, mentions out (like the `page.match` call);
 * - `dict`: design B, the serialized dictionary (base64 or latin1 string) and the entity table out.
 */
import { compileDictionary, serialize, type CompiledDictionary } from '../lib/match/dictionary';
import { encode, matchReply, setGazetteer } from './harness';
import { entityId, parseGazetteer, sampleEntries } from './gazetteer';

interface Sender {
  id?: string;
}
interface ChromeLike {
  runtime: {
    onMessage: {
      addListener(
        fn: (message: unknown, sender: Sender, sendResponse: (response: unknown) => void) => boolean | undefined,
      ): void;
    };
  };
}

interface Prepared {
  dict: CompiledDictionary;
  encoded: { base64: string; latin1: string };
  entities: { id: string; kind: string; name: string }[];
}

const prepared = new Map<number, Prepared>();
const chromeApi = (globalThis as unknown as { chrome: ChromeLike }).chrome;

async function load(url: string, sizes: number[]) {
  const g = parseGazetteer(await (await fetch(url)).text());
  setGazetteer(g); // matchReply names entities from the harness's gazetteer
  for (const size of sizes) {
    const entries = sampleEntries(g, size);
    const { dictionary } = compileDictionary(entries);
    const buf = serialize(dictionary);
    const ids = [...new Set(entries.map((e) => e.entity))].sort((a, b) => a - b);
    prepared.set(size, {
      dict: dictionary,
      encoded: { base64: encode(buf, 'base64'), latin1: encode(buf, 'latin1') },
      entities: ids.map((e) => ({ id: entityId(e), kind: 'place', name: g.names[e] ?? '' })),
    });
  }
  return { ok: true, sizes };
}

chromeApi.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  const m = message as {
    echo?: string;
    url?: string;
    sizes?: number[];
    size?: number;
    texts?: string[];
    encoding?: string;
  };
  if (m.echo === 'load') {
    load(m.url ?? '', m.sizes ?? []).then(sendResponse, (e: Error) => sendResponse({ ok: false, error: e.message }));
    return true;
  }
  const p = prepared.get(m.size ?? -1);
  if (!p) return undefined;
  if (m.echo === 'match') {
    sendResponse(matchReply(p.dict, m.texts ?? []));
    return undefined;
  }
  if (m.echo === 'dict') {
    const encoding = m.encoding === 'latin1' ? 'latin1' : 'base64';
    sendResponse({ encoding, data: p.encoded[encoding], entities: p.entities });
    return undefined;
  }
  return undefined;
});
