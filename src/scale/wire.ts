// The statistics file: what a shard sends and a coordinator stores. The heads file's container
// (io/container.ts: safetensors layout, SHA-256 over header and data), with the format name and
// version, the settings and their fingerprint, the round, the shards counted and the episodes in
// the metadata, and per moment block its mean and the upper triangle of M2 (float64). Reading
// checks the format and version first (a stale file is named as such), then the checksum, then
// every field against the settings; any fault is INVALID_FILE. A round's broadcast travels in the
// same container under its own format name.
import { SpecialistError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { decodeContainer, encodeContainer, type ContainerTensor } from '../io/container.ts';
import { packUpper, unpackUpper } from '../stats/moments.ts';
import { broadcastHash, type RoundBroadcast, type Statistics } from './statistics.ts';
import { canonicalJson, rcotGroups, resolveShardSettings, roundWidths, settingsFingerprint, STATISTICS_FORMAT_VERSION, type ShardSettings } from './settings.ts';

export const STATISTICS_FORMAT = 'specialist-statistics';
export const BROADCAST_FORMAT = 'specialist-statistics-broadcast';
/**
 * Fewest episodes a file may hold (0 aside): the mean of one episode is that episode, and the mean
 * and M2 of two give both back (up to their order). From three on no row can be read back exactly;
 * what aggregates still reveal is in docs/scale.md.
 */
export const MIN_EPISODES_PER_FILE = 3;

function bad(source: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `${source}: ${message}`, details);
}

function versionCheck(format: string, source: string) {
  return (metadata: Record<string, string>) => {
    if (metadata.format !== format) throw bad(source, `not a ${format} file (format ${JSON.stringify(metadata.format)})`, { reason: 'format' });
    if (metadata.formatVersion !== String(STATISTICS_FORMAT_VERSION)) {
      throw bad(source, `format version ${metadata.formatVersion} (SDK ${metadata.sdkVersion}) is not the version this SDK reads (${STATISTICS_FORMAT_VERSION}): gather these statistics again with SDK ${VERSION}`, {
        reason: 'format-version',
        formatVersion: metadata.formatVersion,
        supportedVersion: STATISTICS_FORMAT_VERSION,
      });
    }
  };
}

export function encodeStatistics(stats: Statistics): Uint8Array {
  if (stats.episodes !== 0 && stats.episodes < MIN_EPISODES_PER_FILE) {
    throw new SpecialistError('INVALID_ARGUMENT', `statistics of ${stats.episodes} episode(s) would give the episodes themselves away: a file holds 0 or at least ${MIN_EPISODES_PER_FILE}`, { reason: 'too-few-episodes', episodes: stats.episodes });
  }
  const tensors: Record<string, { shape: number[]; data: Float64Array }> = {};
  stats.parts.forEach((m, j) => {
    tensors[`mean.${j}`] = { shape: [m.width], data: m.mean };
    tensors[`m2.${j}`] = { shape: [(m.width * (m.width + 1)) / 2], data: packUpper(m.m2, m.width) };
  });
  return encodeContainer(
    {
      format: STATISTICS_FORMAT,
      formatVersion: String(STATISTICS_FORMAT_VERSION),
      sdkVersion: VERSION,
      settings: canonicalJson(stats.settings),
      fingerprint: stats.fingerprint,
      round: String(stats.round),
      basis: stats.basis,
      shards: JSON.stringify(stats.shards),
      episodes: String(stats.episodes),
    },
    tensors,
  );
}

function parseJson(source: string, field: string, text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw bad(source, `metadata field ${field} is not valid JSON`, { field });
  }
}

function f64(source: string, tensors: Record<string, ContainerTensor>, name: string, length: number): Float64Array {
  const t = tensors[name];
  if (!t) throw bad(source, `tensor ${name} is missing`, { tensor: name });
  if (t.dtype !== 'F64' || t.shape.length !== 1 || t.shape[0] !== length) throw bad(source, `tensor ${name} must be F64 [${length}], got ${t.dtype} [${t.shape.join(', ')}]`, { tensor: name });
  const data = t.data as Float64Array;
  const at = data.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) throw bad(source, `tensor ${name} holds ${data[at]} at index ${at}`, { tensor: name });
  return data;
}

export function decodeStatistics(bytes: Uint8Array, source = 'statistics file'): Statistics {
  if (!(bytes instanceof Uint8Array)) throw bad(source, 'expected bytes (Uint8Array)');
  const { metadata, tensors } = decodeContainer(bytes, source, { checkMetadata: versionCheck(STATISTICS_FORMAT, source) });
  let settings;
  try {
    settings = resolveShardSettings(parseJson(source, 'settings', metadata.settings) as ShardSettings);
  } catch (error) {
    throw bad(source, `its settings are not valid: ${(error as Error).message}`, { field: 'settings' });
  }
  const fingerprint = settingsFingerprint(settings);
  if (fingerprint !== metadata.fingerprint) throw bad(source, 'the fingerprint does not match the settings', { field: 'fingerprint' });
  const round = Number(metadata.round);
  if (!Number.isInteger(round) || round < 1 || round > (settings.test.name === 'rcot' ? 2 : 1)) throw bad(source, `round ${metadata.round} is not a round of ${settings.test.name}`, { field: 'round' });
  const episodes = Number(metadata.episodes);
  if (!Number.isSafeInteger(episodes) || episodes < 0 || (episodes > 0 && episodes < MIN_EPISODES_PER_FILE)) throw bad(source, `episodes ${metadata.episodes} is not a count this format allows`, { field: 'episodes' });
  const shards = parseJson(source, 'shards', metadata.shards);
  if (!Array.isArray(shards) || shards.length === 0 || !shards.every((s) => typeof s === 'string' && s.length > 0) || new Set(shards).size !== shards.length) {
    throw bad(source, 'metadata field shards must list distinct shard ids', { field: 'shards' });
  }
  const basis = metadata.basis ?? '';
  if (round === 2 ? !/^[0-9a-f]{64}$/.test(basis) : basis !== '') throw bad(source, `basis ${JSON.stringify(basis)} does not fit round ${round}`, { field: 'basis' });
  const widths = roundWidths(settings, round);
  if (Object.keys(tensors).length !== 2 * widths.length) throw bad(source, `expected ${2 * widths.length} tensors for these settings, found ${Object.keys(tensors).length}`);
  const parts = widths.map((w, j) => {
    const m2 = unpackUpper(f64(source, tensors, `m2.${j}`, (w * (w + 1)) / 2), w);
    for (let c = 0; c < w; c++) if (m2[c * w + c] < 0) throw bad(source, `m2.${j} has a negative diagonal entry at ${c}`, { tensor: `m2.${j}` });
    return { n: episodes, width: w, mean: f64(source, tensors, `mean.${j}`, w), m2 };
  });
  return { settings, fingerprint, round, basis, shards: shards as string[], episodes, parts };
}

export function encodeBroadcast(b: RoundBroadcast): Uint8Array {
  const tensors: Record<string, { shape: number[]; data: Float64Array }> = {};
  b.fits.forEach((f, j) => {
    tensors[`mean.${j}`] = { shape: [f.mean.length], data: f.mean };
    tensors[`beta.${j}`] = { shape: [f.beta.length], data: f.beta };
  });
  return encodeContainer(
    { format: BROADCAST_FORMAT, formatVersion: String(STATISTICS_FORMAT_VERSION), sdkVersion: VERSION, fingerprint: b.fingerprint, round: String(b.round), shards: JSON.stringify(b.shards), broadcast: b.sha256 },
    tensors,
  );
}

/** Reads a broadcast; `settings` are the shard's own, against which every width is checked. */
export function decodeBroadcast(bytes: Uint8Array, settings: ShardSettings, source = 'broadcast file'): RoundBroadcast {
  if (!(bytes instanceof Uint8Array)) throw bad(source, 'expected bytes (Uint8Array)');
  const { metadata, tensors } = decodeContainer(bytes, source, { checkMetadata: versionCheck(BROADCAST_FORMAT, source) });
  const resolved = resolveShardSettings(settings);
  if (metadata.fingerprint !== settingsFingerprint(resolved)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'the broadcast belongs to a run with other settings', { reason: 'settings-mismatch', expected: settingsFingerprint(resolved), actual: metadata.fingerprint });
  }
  if (metadata.round !== '2' || resolved.test.name !== 'rcot') throw bad(source, `round ${metadata.round} has no broadcast for ${resolved.test.name}`, { field: 'round' });
  const shards = parseJson(source, 'shards', metadata.shards);
  if (!Array.isArray(shards) || !shards.every((s) => typeof s === 'string')) throw bad(source, 'metadata field shards must list shard ids', { field: 'shards' });
  const g = rcotGroups(resolved);
  const fits = g.layouts.map((lay, j) => ({ mean: f64(source, tensors, `mean.${j}`, lay.width), beta: f64(source, tensors, `beta.${j}`, lay.pz * (lay.width - lay.pz)) }));
  if (broadcastHash(metadata.fingerprint, 2, shards as string[], fits) !== metadata.broadcast) throw bad(source, 'its hash does not name its content', { field: 'broadcast' });
  return { fingerprint: metadata.fingerprint, round: 2, shards: shards as string[], fits, sha256: metadata.broadcast };
}
