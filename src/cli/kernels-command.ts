import { supportedBuilds, KERNEL_BUILDS } from '../kernels/builds.ts';
import { getKernel, kernelNames } from '../kernels/registry.ts';
import type { Command } from './commands.ts';

export const kernelsCommand: Command = {
  name: 'kernels',
  summary: 'List the kernels and which wasm builds this host runs',
  usage: 'specialist-sdk kernels [--json]',
  options: {},
  async run(options, io) {
    const json = options.flag('json');
    options.rejectUnknown();
    const supported = supportedBuilds();
    const report = {
      builds: Object.fromEntries(KERNEL_BUILDS.map((b) => [b, supported.includes(b)])),
      selected: supported[0] ?? null,
      kernels: kernelNames().map((name) => ({ name, summary: getKernel(name).summary })),
    };
    if (json) {
      io.out(JSON.stringify(report));
    } else {
      io.out(`kernel builds: ${KERNEL_BUILDS.map((b) => `${b} ${supported.includes(b) ? 'yes' : 'no'}`).join(', ')}; selected: ${report.selected}`);
      for (const k of report.kernels) io.out(`  ${k.name.padEnd(20)} ${k.summary}`);
    }
    return 0;
  },
};
