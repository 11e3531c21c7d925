import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, problems } from './problem';

const TYPE_RULES = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'whitelistValidation']);

/** Flattens class-validator's tree into `{field, message}` with paths like "listeners[0].ports". */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : prefix ? `${prefix}.${e.property}` : e.property;
    let constraints = Object.entries(e.constraints ?? {});
    // A value of the wrong type fails every rule; saying "must be a string" is enough.
    const typeErrors = constraints.filter(([rule]) => TYPE_RULES.has(rule));
    if (typeErrors.length) constraints = typeErrors;
    for (const [rule, message] of constraints) {
      out.push({ field, message: rule === 'whitelistValidation' ? 'is not a known field; remove it' : stripProperty(message, e.property) });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** class-validator messages start with the property name ("name must be a string"); the field is reported separately. */
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * Global pipe: whitelist + forbidNonWhitelisted + transform, no implicit type coercion (a string
 * where a number belongs is an error, not a guess). Query DTOs convert explicitly with @Type.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const flat = flattenValidationErrors(errors);
        return problems.validation(flat);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A DTO class expects one JSON object; an array or a scalar would slip past the whitelist.
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata) && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw problems.validation([{ field: 'body', message: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}
