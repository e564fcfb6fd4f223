/**
 * How the CLI reports an error that ends a command: always ONE line on stderr (`s3lab: …`) and
 * an exit code. 2 is bad input: an option, a file, a directory, a URL or an output place the user
 * named, including a place that cannot be written (read-only, full, over quota, no permission,
 * not a directory, no fsync). 1 is a failure that is not the input's fault: a model server
 * that answered with a server error, an I/O error of the disk (EIO), or an unexpected error (a
 * bug), whose stack trace is printed only when asked for (`--verbose` or `S3LAB_DEBUG=1`).
 */
import { resolve, sep } from 'node:path';
import { CommandFailure } from './usage-error.js';
import type { CheckedOutput } from './output-options.js';
import { InputError } from '../core/input-error.js';
import { describeFileFailure } from '../core/output-path.js';
import { DataFormatError } from '../core/problems.js';
import { ChatRequestError, LlmServerError } from '../llm/index.js';

/** What to print and the exit code to return. */
export interface ErrorReport {
  line: string;
  exitCode: 1 | 2;
  /** Set for an unexpected error: printed after the line when verbose. */
  stack?: string;
}

/** The hint an unexpected error's line ends with. */
export const STACK_TRACE_HINT = 'run with --verbose or S3LAB_DEBUG=1 for the stack trace';

// Calls that change the file system: their failure is a failure to write.
const WRITE_SYSCALLS = new Set([
  'mkdir', 'mkdtemp', 'write', 'writev', 'fsync', 'fdatasync', 'rename', 'unlink', 'rmdir', 'rm', 'ftruncate', 'truncate',
  'copyfile', 'cp', 'link', 'symlink', 'close', 'futime', 'utime', 'chmod', 'fchmod', 'chown', 'fchown',
]);
// Codes only a write can meet, whatever the call.
const WRITE_CODES = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EEXIST', 'EFBIG']);
// Reading a path the user named that is not there or not a file: their input.
const READ_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);
// A failed write that is the disk's fault, not the place the user chose.
const DEVICE_FAULTS = new Set(['EIO']);

/**
 * The one line and exit code for `error`; `outputs` are the command's checked outputs, named when
 * a failed write does not say its path (a write or fsync on an open file).
 *
 * @example
 * ```ts
 * reportError(new InputError('--k: expected a positive integer'), []); // { line: 's3lab: --k: expected a positive integer', exitCode: 2 }
 * ```
 */
export function reportError(error: unknown, outputs: readonly CheckedOutput[]): ErrorReport {
  if (error instanceof InputError || error instanceof DataFormatError || error instanceof ChatRequestError) return input(error.message);
  if (error instanceof CommandFailure) return { line: line(error.message), exitCode: 1 };
  if (error instanceof LlmServerError) {
    // Unreachable, refused or a 4xx (wrong model name, key, request): the URL or name the user gave.
    const theirs = error.status === undefined || (error.status >= 400 && error.status < 500);
    return { line: line(error.message), exitCode: theirs ? 2 : 1 };
  }
  const system = asSystemError(error);
  if (system) {
    const code = system.code;
    // An `open` may read or write; one of a path the command was told to write to is a write.
    const isWrite = WRITE_CODES.has(code) || (system.syscall !== undefined && WRITE_SYSCALLS.has(system.syscall)) || isUnderOutput(system.path, outputs);
    const where = system.path ?? (isWrite ? describeOutputs(outputs) : undefined);
    if (isWrite) return { line: line(`cannot write ${where}: ${describeFileFailure(system)}`), exitCode: DEVICE_FAULTS.has(code) ? 1 : 2 };
    if (where !== undefined && READ_CODES.has(code)) {
      const reason = code === 'ENOENT' ? 'no such file or directory' : describeFileFailure(system);
      return input(`cannot ${system.syscall === 'open' && code !== 'ENOENT' ? 'open' : 'read'} ${where}: ${reason}`);
    }
  }
  const message = error instanceof Error ? String(error) : `thrown: ${String(error)}`;
  const stack = error instanceof Error ? error.stack : undefined;
  return { line: line(`${message} (${STACK_TRACE_HINT})`), exitCode: 1, ...(stack ? { stack } : {}) };
}

function input(message: string): ErrorReport {
  return { line: line(message), exitCode: 2 };
}

/** `s3lab: ` and the message on one line, whatever newlines it holds. */
function line(message: string): string {
  return `s3lab: ${message.replace(/\s*\n\s*/gu, ' ').trim()}`;
}

function describeOutputs(outputs: readonly CheckedOutput[]): string {
  return outputs.length === 0 ? 'a file' : outputs.map((o) => `${o.flag} ${o.path}`).join(' or ');
}

function isUnderOutput(path: string | undefined, outputs: readonly CheckedOutput[]): boolean {
  if (path === undefined) return false;
  const absolute = resolve(path);
  return outputs.some((o) => absolute === resolve(o.path) || (o.kind === 'directory' && absolute.startsWith(`${resolve(o.path)}${sep}`)));
}

type SystemError = NodeJS.ErrnoException & { code: string };

function asSystemError(error: unknown): SystemError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/u.test(code) ? (error as SystemError) : undefined;
}
