import { InputError } from '../core/input-error.js';

/** An error caused by the user's command line: printed as one clear line, exit code 2, no stack. */
export class UsageError extends InputError {
  override name = 'UsageError';
}
