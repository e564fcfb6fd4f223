/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}}` (plus an
 * optional `__metadata__` of strings), then the raw little-endian tensor bytes. Reading
 * converts fp32/fp16/bf16 to fp32 (tfjs computes in fp32); writing is fp32, the layout
 * PyTorch's `safetensors.torch.load_file` and transformers' `from_pretrained` read back.
 *
 * @example
 * ```ts
 * import { writeSafetensors, readSafetensors } from '@s3lab/toolkit';
 * await writeSafetensors('/tmp/w.safetensors', new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]));
 * const tensors = await readSafetensors('/tmp/w.safetensors');
 * ```
 */
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { ModelFileError } from '../model-files.js';

/** A tensor as stored: its shape and its values in fp32, row-major. */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});

const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** The tensor names and shapes of a file without reading its data (for sharded checkpoints and checks). */
export async function readSafetensorsHeader(path: string): Promise<Map<string, { dtype: string; shape: number[] }>> {
  const handle = await open(path, 'r').catch((cause: unknown) => {
    throw new ModelFileError(path, `cannot read ${path}: ${(cause as Error).message}`, { cause });
  });
  try {
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    const header = Buffer.alloc(headerLength);
    await handle.read(header, 0, headerLength, 8);
    const entries = parseHeader(path, header.toString('utf8'));
    return new Map([...entries].map(([name, e]) => [name, { dtype: e.dtype, shape: e.shape }]));
  } finally {
    await handle.close();
  }
}

/** Every tensor of a `.safetensors` file, converted to fp32. */
export async function readSafetensors(path: string): Promise<Map<string, StoredTensor>> {
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new ModelFileError(path, `cannot read ${path}: ${(cause as Error).message}`, { cause });
  });
  if (bytes.length < 8) throw new ModelFileError(path, `${path} is not a safetensors file: it is ${bytes.length} bytes long`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8) {
    throw new ModelFileError(path, `${path} is not a safetensors file (or is truncated): its header claims ${headerLength} bytes, the file has ${bytes.length}`);
  }
  const entries = parseHeader(path, bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of entries) {
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const width = BYTES_PER_ELEMENT[entry.dtype];
    if (width === undefined) {
      throw new ModelFileError(path, `${path}: tensor ${name} has dtype ${entry.dtype}; s3lab reads F32, F16 and BF16`);
    }
    if (end - begin !== count * width || dataStart + end > bytes.length) {
      throw new ModelFileError(path, `${path}: tensor ${name} (${entry.dtype} ${JSON.stringify(entry.shape)}) has data offsets [${begin}, ${end}] that do not fit its shape or the file (truncated?)`);
    }
    tensors.set(name, { shape: entry.shape, data: toFloat32(bytes.subarray(dataStart + begin, dataStart + end), entry.dtype) });
  }
  return tensors;
}

/**
 * Writes fp32 tensors in name order (deterministic bytes for the same weights), atomically:
 * a crash mid-write leaves the previous file, never a torn one.
 */
export async function writeSafetensors(path: string, tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = { format: 'pt' }): Promise<void> {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const tensor = tensors.get(name) as StoredTensor;
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) throw new Error(`writeSafetensors: tensor ${name} has shape ${JSON.stringify(tensor.shape)} but ${tensor.data.length} values`);
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let headerText = JSON.stringify(header);
  // Pad with spaces so that the data starts 8-byte aligned, as the reference writer does.
  headerText += ' '.repeat((8 - ((8 + Buffer.byteLength(headerText)) % 8)) % 8);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors.get(name) as StoredTensor;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
    at += data.byteLength;
  }
  await writeFileAtomically(path, (handle) => writeAll(handle, out));
}

function parseHeader(path: string, text: string): Map<string, z.infer<typeof entrySchema>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ModelFileError(path, `${path} is not a safetensors file: its header is not JSON`, { cause });
  }
  if (raw === null || typeof raw !== 'object') throw new ModelFileError(path, `${path} is not a safetensors file: its header is not a JSON object`);
  const entries = new Map<string, z.infer<typeof entrySchema>>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') continue;
    const parsed = entrySchema.safeParse(value);
    if (!parsed.success) throw new ModelFileError(path, `${path}: the header entry of tensor ${name} is not {dtype, shape, data_offsets}`);
    entries.set(name, parsed.data);
  }
  return entries;
}

function toFloat32(bytes: Buffer, dtype: string): Float32Array {
  const count = bytes.length / (BYTES_PER_ELEMENT[dtype] as number);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    // Copy through a byte view: the data may not be 4-byte aligned inside the file buffer.
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const halves = new Uint16Array(count);
  new Uint8Array(halves.buffer).set(bytes);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of an fp32: shift it back into place.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = (halves[i] as number) << 16;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i] as number);
  return out;
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
