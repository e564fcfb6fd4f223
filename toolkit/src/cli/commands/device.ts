import type { Command } from 'commander';
import { z } from 'zod';
import { resolveDevice, S3LAB_DEVICES, deviceFromEnvironment } from '../../models/tfjs/index.js';
import { parseOptions } from '../options.js';

const DeviceOptions = z.object({
  device: z.enum(S3LAB_DEVICES as [string, ...string[]]).optional(),
});

/** `s3lab device`: where tensors would run, and the GPU Dawn found (or why it found none). */
export function registerDevice(program: Command): void {
  program
    .command('device')
    .description('show where s3lab\'s tensors run (S3LAB_DEVICE=cpu|webgpu|auto) and the GPU adapter WebGPU finds')
    .option('--device <name>', `the device to resolve instead of S3LAB_DEVICE: ${S3LAB_DEVICES.join(', ')}`)
    .addHelpText('after', '\nExamples:\n  s3lab device\n  S3LAB_DEVICE=auto s3lab device\n  s3lab device --device webgpu   # exit 1 with what is missing where no GPU is found')
    .action(async (raw: unknown) => {
      const options = parseOptions(DeviceOptions, raw);
      const requested = (options.device ?? deviceFromEnvironment()) as (typeof S3LAB_DEVICES)[number];
      const device = await resolveDevice(requested);
      process.stdout.write(`requested: ${device.requested}\nbackend: ${device.backend}\n`);
      if (device.adapter) {
        const a = device.adapter;
        process.stdout.write(`gpu: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}${a.software ? ' (software: Vulkan on the CPU, for testing kernels; auto does not pick it)' : ''}\n`);
        process.stdout.write(`max buffer: ${(a.maxBufferSize / 2 ** 20).toFixed(0)} MiB, max storage binding: ${(a.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB\n`);
      }
    });
}
