/**
 * The content of `kernel_info_reply` (messaging spec 5.3, "Kernel info"): who this kernel is
 * and the language it runs. `language_info.version` is the version of the TypeScript compiler
 * that checks and transpiles cells (tslab's), not the version tslab was first written for.
 *
 * @example
 * ```ts
 * kernelInfo().language_info.version; // '5.0.4'
 * ```
 */
import { versions } from '../runner/metadata.js';
import { PROTOCOL_VERSION } from './wire.js';

export interface KernelInfo {
  status: 'ok';
  protocol_version: string;
  implementation: string;
  implementation_version: string;
  language_info: {
    name: string;
    version: string;
    mimetype: string;
    file_extension: string;
    pygments_lexer: string;
    codemirror_mode: string | Record<string, unknown>;
    nbconvert_exporter: string;
  };
  banner: string;
  help_links: { text: string; url: string }[];
}

export function kernelInfo(): KernelInfo {
  const v = versions();
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 's3lab',
    implementation_version: v.kernel,
    language_info: {
      name: 'typescript',
      version: v.typescript,
      mimetype: 'text/x.typescript',
      file_extension: '.ts',
      pygments_lexer: 'typescript',
      // JupyterLab reads `mode`; the classic notebook needs CodeMirror's javascript mode with the typescript flag.
      codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
      nbconvert_exporter: 'script',
    },
    banner: `s3lab ${v.kernel}: TypeScript ${v.typescript} (strict) through tslab ${v.tslab} on Node ${v.node}; @s3lab/toolkit ${v.toolkit} is preloaded as \`s3lab\`.`,
    help_links: [
      { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
      { text: 'Node.js API', url: `https://nodejs.org/docs/${v.node}/api/` },
      { text: 'tslab', url: 'https://github.com/yunabe/tslab' },
    ],
  };
}
