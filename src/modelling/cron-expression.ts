import { ValidateBy, type ValidationOptions } from 'class-validator';
import { validateCronExpression } from 'cron';

/** A cron expression the scheduler accepts (5 fields, or 6 with seconds first); with allowOff, also 'off'. */
export function isCronExpression(value: unknown, allowOff = false): boolean {
  if (typeof value !== 'string') return false;
  if (allowOff && value === 'off') return true;
  return validateCronExpression(value).valid;
}

export function IsCronExpression(allowOff: boolean, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCronExpression',
      validator: {
        validate: (value: unknown) => isCronExpression(value, allowOff),
        defaultMessage: (args) =>
          `${args?.property} must be a cron expression such as "0 3 * * 0" (minute hour day month weekday)${allowOff ? " or 'off'" : ''}`,
      },
    },
    validationOptions,
  );
}
