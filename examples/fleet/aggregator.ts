// A Cloudflare Durable Object that aggregates Layer 1's statistics posted by devices (docs/scale.md):
//   POST /statistics     a statistics file (the body's bytes); 200 { episodes, shards }, or 400/409
//                        with { code, reason, message } (damaged, stale format, other settings,
//                        shard already counted, wrong round)
//   POST /close-round    ends round 1 of a two-round test (RCoT): 200 with the broadcast's bytes
//   GET  /broadcast      the broadcast for round 2 (404 before /close-round)
//   GET  /result         Layer 1 decided from the merged statistics (JSON), 409 while incomplete
//   GET  /, /device.js   the device page and its script (static assets of this example)
// One object per run (idFromName of the run's name). Merged statistics live in the object's
// storage in chunks of 100 KiB (a stored value may hold at most 128 KiB).
import { SpecialistError, decideFromStatistics, decodeBroadcast, decodeStatistics, encodeBroadcast, encodeStatistics, mergeStatistics, nextRound, type Statistics } from 'specialist-sdk/scale';

interface Storage {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}
interface State {
  storage: Storage;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}
interface Env {
  AGGREGATOR: { idFromName(name: string): unknown; get(id: unknown): { fetch(request: Request): Promise<Response> } };
  ASSETS?: Record<string, string>;
}

const CHUNK = 100 * 1024;
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function putBytes(storage: Storage, key: string, bytes: Uint8Array): Promise<void> {
  const count = Math.ceil(bytes.length / CHUNK);
  for (let i = 0; i < count; i++) await storage.put(`${key}.${i}`, bytes.slice(i * CHUNK, (i + 1) * CHUNK));
  await storage.put(`${key}.count`, count);
}

async function getBytes(storage: Storage, key: string): Promise<Uint8Array | null> {
  const count = await storage.get<number>(`${key}.count`);
  if (count === undefined) return null;
  const parts = await Promise.all(Array.from({ length: count }, (_, i) => storage.get<Uint8Array>(`${key}.${i}`)));
  const out = new Uint8Array(parts.reduce((n, p) => n + (p as Uint8Array).length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as Uint8Array, at);
    at += (p as Uint8Array).length;
  }
  return out;
}

function refusal(error: unknown): Response {
  if (error instanceof SpecialistError) {
    const status = error.details.reason === 'duplicate-shard' ? 409 : 400;
    return json({ code: error.code, reason: error.details.reason ?? null, message: error.message }, status);
  }
  throw error;
}

export class StatisticsAggregator {
  constructor(private readonly state: State) {}

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    // One request at a time: a merge is read, changed and written back.
    return this.state.blockConcurrencyWhile(async () => {
      try {
        if (request.method === 'POST' && path === '/statistics') return await this.post(new Uint8Array(await request.arrayBuffer()));
        if (request.method === 'POST' && path === '/close-round') return await this.closeRound();
        if (request.method === 'GET' && path === '/broadcast') {
          const b = await getBytes(this.state.storage, 'broadcast');
          return b ? new Response(b as unknown as BodyInit) : json({ message: 'round 1 is still open' }, 404);
        }
        if (request.method === 'GET' && path === '/result') return await this.result();
        return json({ message: `no route ${request.method} ${path}` }, 404);
      } catch (error) {
        return refusal(error);
      }
    });
  }

  private async merged(round: number): Promise<Statistics | null> {
    const bytes = await getBytes(this.state.storage, `round${round}`);
    return bytes ? decodeStatistics(bytes, `stored round ${round}`) : null;
  }

  private async post(body: Uint8Array): Promise<Response> {
    const part = decodeStatistics(body, 'posted statistics');
    const open = (await this.state.storage.get<number>('round')) ?? 1;
    if (part.round !== open) throw new SpecialistError('INVALID_ARGUMENT', `round ${open} is open; this file is of round ${part.round}`, { reason: 'round-mismatch' });
    const stored = await this.merged(open);
    const merged = stored ? mergeStatistics([stored, part]) : mergeStatistics([part]);
    await putBytes(this.state.storage, `round${open}`, encodeStatistics(merged));
    return json({ episodes: merged.episodes, shards: merged.shards.length });
  }

  private async closeRound(): Promise<Response> {
    const first = await this.merged(1);
    if (!first) throw new SpecialistError('INVALID_ARGUMENT', 'nothing was posted yet', { reason: 'empty' });
    const next = nextRound(first);
    if (!next) throw new SpecialistError('INVALID_ARGUMENT', `${first.settings.test.name} has one round: ask for /result`, { reason: 'round-mismatch' });
    const bytes = encodeBroadcast(next);
    decodeBroadcast(bytes, first.settings);
    await putBytes(this.state.storage, 'broadcast', bytes);
    await this.state.storage.put('round', 2);
    return new Response(bytes as unknown as BodyInit);
  }

  private async result(): Promise<Response> {
    const rounds = [await this.merged(1), await this.merged(2)].filter((r): r is Statistics => r !== null);
    if (rounds.length === 0) return json({ message: 'nothing was posted yet' }, 409);
    try {
      const r = await decideFromStatistics(rounds);
      return json({ relation: r.relation, directPValues: r.directPValues, pValues: r.pValues, conditioning: r.conditioning, episodes: rounds[0].episodes, shards: rounds[0].shards.length, warnings: r.warnings });
    } catch (error) {
      if (error instanceof SpecialistError && ['round-missing', 'incomplete-round'].includes(String(error.details.reason))) return json({ code: error.code, reason: error.details.reason, message: error.message }, 409);
      throw error;
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const asset = env.ASSETS?.[url.pathname === '/' ? '/index.html' : url.pathname];
    if (request.method === 'GET' && asset !== undefined) {
      return new Response(asset, { headers: { 'content-type': url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html' } });
    }
    const run = url.searchParams.get('run') ?? 'default';
    return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(run)).fetch(request);
  },
};
