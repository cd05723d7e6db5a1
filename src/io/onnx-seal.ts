// A checksum inside the ONNX models the SDK writes (exported heads), checked when a model is loaded:
// without it, one flipped byte in a weight loaded and predicted values off by 3.8e36, all finite.
// Two ONNX metadata_props entries (ModelProto field 14), placed so that any tool can check the
// file without a protobuf library (a few lines of hashlib: docs/pipeline.md):
//   the first field:  specialist.integrity = "sha256 of the bytes before the last field"
//   the last field:   specialist.sha256    = 64 lower-case hex digits of that SHA-256
// The first marks the file as sealed, so that damage to the last is not taken for a model that
// never had a seal (those, users' own encoders, load as before). One changed byte anywhere, a cut or
// an extension is always refused; only damage at both ends that wipes both keys passes as a model
// without a seal. Protobuf readers accept fields in any order and merge repeated ones, so
// onnxruntime and the onnx package read the file as usual. It guards against damage and edits, not
// against someone who recomputes it: it is no signature.
import { SpecialistError } from '../core/errors.ts';
import { sha256Hex, sha256HexAsync } from './sha256.ts';

export const SEAL_MARKER_KEY = 'specialist.integrity';
export const SEAL_MARKER_VALUE = 'sha256 of the bytes before the last field';
export const SEAL_KEY = 'specialist.sha256';

/** One metadata_props entry as a whole field: tag 0x72 (field 14, length-delimited), length, key (1), value (2). */
function metadataField(key: string, value: string): Uint8Array {
  const k = new TextEncoder().encode(key);
  const v = new TextEncoder().encode(value);
  const entry = [0x0a, k.length, ...k, 0x12, v.length, ...v]; // every length here is under 128: one varint byte
  return Uint8Array.from([0x72, entry.length, ...entry]);
}

const MARKER = metadataField(SEAL_MARKER_KEY, SEAL_MARKER_VALUE);
/** The last field up to its 64 hex digits: 0x72 0x55 0x0a 0x11 "specialist.sha256" 0x12 0x40. */
export const SEAL_PREFIX = metadataField(SEAL_KEY, '0'.repeat(64)).subarray(0, -64);
/** Bytes of the last field; the digest covers everything before them. */
export const SEAL_LENGTH = SEAL_PREFIX.length + 64;

/** `model` (ONNX bytes without a seal) with the marker in front and the seal at the end. */
export function sealOnnx(model: Uint8Array): Uint8Array {
  const body = new Uint8Array(MARKER.length + model.length);
  body.set(MARKER, 0);
  body.set(model, MARKER.length);
  const out = new Uint8Array(body.length + SEAL_LENGTH);
  out.set(body, 0);
  out.set(metadataField(SEAL_KEY, sha256Hex(body)), body.length);
  return out;
}

const startsWith = (bytes: Uint8Array, prefix: Uint8Array, at = 0) => bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const HEX = /^[0-9a-f]{64}$/;
const KEYS = [SEAL_MARKER_KEY, SEAL_KEY].map((key) => new TextEncoder().encode(key));
/** Bytes at each end searched for the seal's keys: both entries lie there. */
const ENDS = 256;

/** Whether the marker or a seal key is still there, so that a damaged seal is not taken for a model without one. */
function claimsSeal(model: Uint8Array): boolean {
  if (startsWith(model, MARKER)) return true;
  const regions = [model.subarray(0, ENDS), model.subarray(Math.max(0, model.length - ENDS))];
  return regions.some((region) => KEYS.some((key) => region.some((_, at) => startsWith(region, key, at))));
}

export type SealState = 'sealed' | 'unsealed';

/**
 * 'sealed' when `model` carries the SDK's seal and its digest matches; 'unsealed' for a model that
 * never had one (it loads as before). A model marked as sealed whose seal is missing, damaged or
 * does not match its bytes is INVALID_FILE (`details.reason: 'checksum'`), whatever byte changed.
 */
export async function checkOnnxSeal(model: Uint8Array, what = 'ONNX model'): Promise<SealState> {
  const at = model.length - SEAL_LENGTH;
  const digest = at >= 0 && startsWith(model, SEAL_PREFIX, at) ? new TextDecoder().decode(model.subarray(at + SEAL_PREFIX.length)) : undefined;
  if (digest === undefined || !HEX.test(digest)) {
    if (!claimsSeal(model)) return 'unsealed';
    throw new SpecialistError('INVALID_FILE', `The ${what} was written by specialist-sdk with a checksum, but its last field (${SEAL_KEY}) is missing or damaged: the file was cut, extended or altered after it was written`, {
      reason: 'checksum',
    });
  }
  const actual = await sha256HexAsync(model.subarray(0, at));
  if (actual !== digest) {
    throw new SpecialistError('INVALID_FILE', `The ${what} does not match the checksum written into it (${SEAL_KEY}): it was damaged or edited after specialist-sdk wrote it (re-saving it with another tool changes it too); export it again`, {
      reason: 'checksum',
      expected: digest,
      actual,
    });
  }
  return 'sealed';
}
