// The few pieces of the protobuf wire format that ONNX models need: a writer for building graphs
// and a field scanner for reading and editing them. Hand-written (about 150 lines) rather than a
// protobuf library, so the browser bundle stays small.
import { SpecialistError } from '../core/errors.ts';

const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    return this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: Wire): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, Wire.Varint).varint(value);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, Wire.Fixed32).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, Wire.Bytes).varint(value.length).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated varints (proto3 default for repeated scalars). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  raw(bytes: Uint8Array): this {
    return this.push(bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

/** One field of a message, as found on the wire. `start`/`end` span the whole field, tag included. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Varint value (as bigint) for wire type 0. */
  varint?: bigint;
  /** Payload of a length-delimited field (wire type 2). */
  bytes?: Uint8Array;
  start: number;
  end: number;
}

function readVarint(buf: Uint8Array, pos: number, what: string): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new SpecialistError('INVALID_FILE', `${what}: truncated protobuf varint`, { offset: pos });
    const byte = buf[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new SpecialistError('INVALID_FILE', `${what}: malformed protobuf varint`, { offset: pos });
}

/** Lists the top-level fields of one message; nested messages are read by calling again on `bytes`. */
export function scanFields(buf: Uint8Array, what = 'ONNX model'): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, afterKey] = readVarint(buf, pos, what);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new SpecialistError('INVALID_FILE', `${what}: field number 0 at byte ${start}: not a protobuf message`, { offset: start });
    const entry: ProtoField = { field, wire, start, end: 0 };
    if (wire === Wire.Varint) {
      [entry.varint, pos] = readVarint(buf, pos, what);
    } else if (wire === Wire.Fixed64) {
      pos += 8;
    } else if (wire === Wire.Fixed32) {
      pos += 4;
    } else if (wire === Wire.Bytes) {
      const [len, after] = readVarint(buf, pos, what);
      const end = after + Number(len);
      if (end > buf.length) throw new SpecialistError('INVALID_FILE', `${what}: a field of ${len} bytes at byte ${start} runs past the end (${buf.length})`, { offset: start });
      entry.bytes = buf.subarray(after, end);
      pos = end;
    } else {
      throw new SpecialistError('INVALID_FILE', `${what}: unsupported protobuf wire type ${wire} at byte ${start}`, { offset: start, wire });
    }
    if (pos > buf.length) throw new SpecialistError('INVALID_FILE', `${what}: truncated at byte ${start}`, { offset: start });
    entry.end = pos;
    fields.push(entry);
  }
  return fields;
}

/** The payload of a length-delimited field (a nested message, bytes or a string). */
export function payload(f: ProtoField, what = 'ONNX model'): Uint8Array {
  if (f.wire !== Wire.Bytes || !f.bytes) throw new SpecialistError('INVALID_FILE', `${what}: field ${f.field} at byte ${f.start} has wire type ${f.wire}, expected a length-delimited field`, { offset: f.start, field: f.field, wire: f.wire });
  return f.bytes;
}

/** The value of a varint field. */
export function varint(f: ProtoField, what = 'ONNX model'): bigint {
  if (f.wire !== Wire.Varint || f.varint === undefined) throw new SpecialistError('INVALID_FILE', `${what}: field ${f.field} at byte ${f.start} has wire type ${f.wire}, expected a varint`, { offset: f.start, field: f.field, wire: f.wire });
  return f.varint;
}

export function fieldString(f: ProtoField): string {
  return new TextDecoder().decode(payload(f));
}
