import { InputError } from '../core/input-error.js';

/** An error caused by the user's command line: printed as one clear line, exit code 2, no stack. */
export class UsageError extends InputError {
  override name = 'UsageError';
}

/**
 * The command ran and some of its work failed (each failure named, with where its log is): printed
 * as one line, exit code 1, no stack (the stack is the command's, not the failure's).
 */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
}
