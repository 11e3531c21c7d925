import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

/**
 * Password strength (issue 8): zxcvbn-ts with its maintained common-password and common-word
 * dictionaries (never a hand-written list). A password is refused when zxcvbn rates it below
 * MIN_SCORE (2: "somewhat guessable", under ~10^8 guesses) — which every entry of the
 * common-password list is — also when built from the account's own email or organization name.
 */
export const MIN_PASSWORD_SCORE = 2;

let configured = false;
function configure(): void {
  if (configured) return;
  zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  configured = true;
}

/** Why the password is too weak, or null. `context`: the user's own words (email, names). */
export function passwordWeakness(password: string, context: readonly string[] = []): string | null {
  configure();
  const r = zxcvbn(password, context.filter(Boolean).flatMap((c) => c.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3));
  if (r.score >= MIN_PASSWORD_SCORE) return null;
  const hint = r.feedback.warning ? ` (${String(r.feedback.warning).replace(/\.$/, '')})` : '';
  return `is too easy to guess${hint}; use a longer passphrase of unrelated words, or a password manager`;
}

/**
 * class-validator rule: refuses weak passwords. `contextFields` name sibling fields (e.g. "email")
 * whose words make a password weaker.
 */
export function IsHardToGuess(contextFields: string[] = [], options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isHardToGuess',
      target: object.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          // IsString and MinLength report those; one message per problem.
          if (typeof value !== 'string' || value.length < PASSWORD_MIN_LENGTH) return true;
          const o = args.object as Record<string, unknown>;
          return passwordWeakness(value, contextFields.map((f) => (typeof o[f] === 'string' ? o[f] : ''))) === null;
        },
        defaultMessage(args: ValidationArguments) {
          const o = args.object as Record<string, unknown>;
          return passwordWeakness(String(args.value), contextFields.map((f) => (typeof o[f] === 'string' ? o[f] : ''))) ?? 'is too easy to guess';
        },
      },
    });
}

/**
 * Every password a person chooses (signup, new member, change, reset) is documented and validated by
 * this one stack: a string of PASSWORD_MIN_LENGTH..PASSWORD_MAX_LENGTH that zxcvbn does not rate as
 * easy to guess, also given the account's own `contextFields` (e.g. its email).
 */
export function NewPassword(opts: { description?: string; contextFields?: string[] } = {}) {
  return applyDecorators(
    ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, ...(opts.description ? { description: opts.description } : {}) }),
    IsString(),
    MinLength(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }),
    MaxLength(PASSWORD_MAX_LENGTH),
    IsHardToGuess(opts.contextFields ?? []),
  );
}
