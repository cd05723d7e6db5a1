// What a round of a sharded run exchanges: a shard's (or a merge's) statistics, and the
// coordinator's broadcast of what the next round needs.
import { sha256Hex } from '../io/sha256.ts';
import type { Moments } from '../stats/moments.ts';
import type { ResolvedShardSettings } from './settings.ts';

/** Partial (or merged) statistics of one round. */
export interface Statistics {
  settings: ResolvedShardSettings;
  fingerprint: string;
  /** 1, or 2 for RCoT's products. */
  round: number;
  /** Round 2: SHA-256 of the broadcast its residuals were computed with; '' in round 1. */
  basis: string;
  /** Ids of the shards counted, sorted. */
  shards: string[];
  /** Episodes counted. */
  episodes: number;
  /** The moment blocks of the round (settings.ts: roundWidths). */
  parts: Moments[];
}

/** What round 2's shards need from round 1: per feature group its means and regressions. */
export interface RoundBroadcast {
  fingerprint: string;
  round: number;
  /** Shards whose round-1 statistics the fits were made from: round 2 must count the same ones. */
  shards: string[];
  fits: { mean: Float64Array; beta: Float64Array }[];
  /** SHA-256 of all of the above: round 2's statistics name it (Statistics.basis). */
  sha256: string;
}

/** SHA-256 naming a broadcast: its settings, round, shards and every fitted number. */
export function broadcastHash(fingerprint: string, round: number, shards: readonly string[], fits: RoundBroadcast['fits']): string {
  const text = new TextEncoder().encode(`${fingerprint}\n${round}\n${shards.join('\n')}\n`);
  const bytes = fits.flatMap((f) => [new Uint8Array(f.mean.buffer, f.mean.byteOffset, f.mean.byteLength), new Uint8Array(f.beta.buffer, f.beta.byteOffset, f.beta.byteLength)]);
  const all = new Uint8Array(text.length + bytes.reduce((n, b) => n + b.length, 0));
  all.set(text);
  let at = text.length;
  for (const b of bytes) {
    all.set(b, at);
    at += b.length;
  }
  return sha256Hex(all);
}

