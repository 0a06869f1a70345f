import { CodexError } from './codex-error.js';

/** Input was rejected before anything was sent: the message names the field and what was wrong. */
export class InvalidInputError extends CodexError {
  override name = 'InvalidInputError';
  constructor(
    /** Where the bad value is, e.g. `params.config.model` or `input[1].type`. */
    readonly field: string,
    problem: string,
    method?: string,
  ) {
    super(`${method ? `${method}: ` : ''}${field} ${problem}`, {
      code: 'invalid_input',
      data: { field },
      ...(method ? { method } : {}),
    });
  }
}
