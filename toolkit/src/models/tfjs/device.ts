/**
 * Where s3lab's tensors run, chosen once per process by `S3LAB_DEVICE`:
 *
 * - `cpu` (the default): tfjs's WebAssembly backend (XNNPACK, SIMD).
 * - `webgpu`: the GPU through WebGPU (Dawn's `webgpu` package in Node: Vulkan on Linux, Metal
 *   on macOS, D3D12 on Windows). Asking for it where Dawn finds no adapter is an error that
 *   says what was looked for and what was found.
 * - `auto`: WebGPU when Dawn finds a hardware adapter, else the CPU. A software adapter (Mesa's
 *   lavapipe, SwiftShader: Vulkan on the CPU) is used only when `webgpu` is asked for by name,
 *   as the kernel tests do; for real work it is slower than WebAssembly.
 *
 * Why `cpu` and not `auto` by default: a default that changes with the machine would change a
 * run's numbers (within float tolerance, which training amplifies) from laptop to laptop. Speed is
 * no longer the reason: with the fused kernels an H200 runs the lab models 4–38x faster than two
 * CPU cores (docs/gpu.md).
 *
 * @example
 * ```ts
 * import { resolveDevice } from '@s3lab/toolkit';
 * const device = await resolveDevice(); // { requested: 'cpu', backend: 'wasm', adapter: undefined }
 * console.log(device.backend);
 * ```
 */
import { existsSync, readdirSync } from 'node:fs';

export type S3labDevice = 'cpu' | 'webgpu' | 'auto';
export const S3LAB_DEVICES: readonly S3labDevice[] = ['cpu', 'webgpu', 'auto'];

/** What a device request resolved to. */
export interface ResolvedDevice {
  requested: S3labDevice;
  /** The tfjs backend that runs the tensors. */
  backend: 'wasm' | 'webgpu';
  /** The GPU Dawn found (only when `backend` is webgpu). */
  adapter: GpuAdapterDescription | undefined;
}

/** The adapter's self-description (WebGPU's GPUAdapterInfo) and the limits that size s3lab's buffers. */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** A software implementation on the CPU (WebGPU's fallback adapter), not a GPU. */
  software: boolean;
}

/** The device `S3LAB_DEVICE` names (`cpu` when unset or empty). */
export function deviceFromEnvironment(env: NodeJS.ProcessEnv = process.env): S3labDevice {
  const wanted = env.S3LAB_DEVICE;
  if (wanted === undefined || wanted === '') return 'cpu';
  if ((S3LAB_DEVICES as readonly string[]).includes(wanted)) return wanted as S3labDevice;
  throw new Error(`S3LAB_DEVICE=${JSON.stringify(wanted)}: expected one of ${S3LAB_DEVICES.join(', ')} (cpu: WebAssembly on the CPU; webgpu: the GPU through Dawn; auto: the GPU when one is found)`);
}

/** Resolves a device request (default: `S3LAB_DEVICE`) to the backend that will run it. */
export async function resolveDevice(requested: S3labDevice = deviceFromEnvironment()): Promise<ResolvedDevice> {
  if (!S3LAB_DEVICES.includes(requested)) throw new Error(`unknown device ${JSON.stringify(requested)}: expected one of ${S3LAB_DEVICES.join(', ')}`);
  if (requested === 'cpu') return { requested, backend: 'wasm', adapter: undefined };
  const found = await findGpuAdapter();
  if (requested === 'auto') return found.adapter && !found.adapter.software ? { requested, backend: 'webgpu', adapter: found.adapter } : { requested, backend: 'wasm', adapter: undefined };
  if (found.adapter) return { requested, backend: 'webgpu', adapter: found.adapter };
  throw new Error(`S3LAB_DEVICE=webgpu, but ${found.why}. Set S3LAB_DEVICE=cpu (or auto) to run on the CPU.`);
}

interface AdapterSearch {
  adapter: GpuAdapterDescription | undefined;
  /** Why none was found, naming what was looked for. */
  why: string;
}

let search: Promise<AdapterSearch> | undefined;

/** Asks Dawn for an adapter once per process (installing it as `navigator.gpu` for tfjs). */
export function findGpuAdapter(): Promise<AdapterSearch> {
  search ??= searchAdapter();
  return search;
}

interface MinimalGpu {
  requestAdapter(): Promise<{ info?: Record<string, string> & { isFallbackAdapter?: boolean }; limits: Record<string, number> } | null>;
}

async function searchAdapter(): Promise<AdapterSearch> {
  const scope = globalThis as unknown as { navigator?: { gpu?: MinimalGpu } };
  if (scope.navigator?.gpu === undefined) {
    let dawn: { create(flags: string[]): unknown; globals: object };
    try {
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (error) {
      return { adapter: undefined, why: `Dawn (the "webgpu" package) did not load on ${process.platform}-${process.arch}: ${(error as Error).message}` };
    }
    Object.assign(globalThis, dawn.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { ...scope.navigator, gpu: dawn.create([]) }, configurable: true, writable: true });
  }
  const adapter = await scope.navigator?.gpu?.requestAdapter();
  if (adapter === null || adapter === undefined) return { adapter: undefined, why: `Dawn found no GPU adapter (${graphicsStackReport()})` };
  const info = adapter.info ?? {};
  return {
    adapter: {
      vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '',
      maxBufferSize: adapter.limits.maxBufferSize ?? 0,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0,
      software: info.isFallbackAdapter === true,
    },
    why: '',
  };
}

const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
const ICD_DIRECTORIES = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** What a Vulkan driver needs on Linux, as found on this machine (the usual reason Dawn sees no GPU). */
export function graphicsStackReport(): string {
  if (process.platform !== 'linux') return `platform ${process.platform}: check that the system's GPU driver is installed`;
  const loader = VULKAN_LOADERS.find((path) => existsSync(path));
  const listed = (process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  const icds = listed.length > 0 ? listed : ICD_DIRECTORIES.flatMap((dir) => {
    try {
      return readdirSync(dir).filter((name) => name.endsWith('.json')).map((name) => `${dir}/${name}`);
    } catch {
      return [];
    }
  });
  const parts = [
    loader ? `Vulkan loader ${loader}` : 'no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1)',
    icds.length > 0
      ? `Vulkan drivers ${icds.map((path) => (existsSync(path) ? path : `${path} (missing)`)).join(', ')}${listed.length > 0 ? ' from VK_DRIVER_FILES' : ''}`
      : 'no Vulkan driver manifest in /usr/share/vulkan/icd.d or VK_DRIVER_FILES (on NVIDIA, point VK_DRIVER_FILES at nvidia_icd.json)',
  ];
  return parts.join('; ');
}
