import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';

/**
 * What a turn takes: a string (one text input), one {@link UserInput}, or several.
 * `text_elements` may be left out of text inputs; it defaults to `[]`.
 */
export type RunInput = string | UserInputLike | readonly UserInputLike[];

/** A {@link UserInput}, with `text_elements` optional on text inputs. */
export type UserInputLike =
  | Exclude<UserInput, { type: 'text' }>
  | (Omit<Extract<UserInput, { type: 'text' }>, 'text_elements'> & {
      text_elements?: Extract<UserInput, { type: 'text' }>['text_elements'];
    });

const ACCEPTED =
  'a string, or an input object (or array of them) of type text {text}, image {url | fileId}, ' +
  'localImage {path}, audio {url | fileId}, localAudio {path}, skill {name, path} or mention {name, path}';

const REQUIRED: Readonly<Record<string, readonly (readonly string[])[]>> = {
  text: [['text']],
  image: [['url', 'fileId']],
  localImage: [['path']],
  audio: [['url', 'fileId']],
  localAudio: [['path']],
  skill: [['name'], ['path']],
  mention: [['name'], ['path']],
};

/**
 * Normalises and checks a {@link RunInput} before anything is sent.
 * @throws {@link InvalidInputError} naming the field and the accepted shapes.
 */
export function toUserInputs(input: unknown, field = 'input', method?: string): UserInput[] {
  if (typeof input === 'string') return [{ type: 'text', text: input, text_elements: [] }];
  const items: unknown[] = Array.isArray(input) ? input : [input];
  if (items.length === 0)
    throw new InvalidInputError(field, `is empty; expected ${ACCEPTED}`, method);
  return items.map((item, index) => {
    const where = Array.isArray(input) ? `${field}[${index}]` : field;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new InvalidInputError(where, `is ${describe(item)}; expected ${ACCEPTED}`, method);
    }
    const record = item as Record<string, unknown>;
    const type = record.type;
    const required = typeof type === 'string' ? REQUIRED[type] : undefined;
    if (!required) {
      throw new InvalidInputError(
        `${where}.type`,
        `is ${describe(type)}; expected ${ACCEPTED}`,
        method,
      );
    }
    for (const alternatives of required) {
      if (!alternatives.some((key) => typeof record[key] === 'string')) {
        throw new InvalidInputError(
          `${where}.${alternatives.join(' | ')}`,
          `must be a string for a ${String(type)} input`,
          method,
        );
      }
    }
    if (type === 'text') {
      const elements: unknown = record.text_elements ?? [];
      if (!Array.isArray(elements))
        throw new InvalidInputError(`${where}.text_elements`, 'must be an array', method);
      return { ...record, text_elements: elements as unknown[] } as UserInput;
    }
    return record as UserInput;
  });
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${value}`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}
