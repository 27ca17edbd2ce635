import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

const EPOCH_MS = /^-?\d{1,15}$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Epoch milliseconds from either epoch ms digits or an ISO-8601 date/time. A date-time without a zone is taken as
 * UTC, so a request means the same instant whatever the server's time zone. Returns null for anything else.
 */
export function parseTimeParam(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 && value <= LATEST_MS ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    return ms >= 0 && ms <= LATEST_MS ? ms : null;
  }
  const match = ISO_8601.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const isoZone = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const ms = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${isoZone}`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2024-02-31 over into March; reject dates that do not exist.
  const check = new Date(ms + (isoZone === 'Z' ? 0 : zoneOffsetMs(isoZone)));
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() + 1 !== Number(month)) return null;
  return ms >= 0 && ms <= LATEST_MS ? ms : null;
}

function zoneOffsetMs(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return sign * (hours * 60 + minutes) * 60_000;
}

/** Query/body field holding a time: transforms to epoch ms and rejects what cannot be read as one. */
export function IsTimeParam(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    Transform(({ value }: { value: unknown }) => {
      const parsed = parseTimeParam(value);
      return parsed === null ? value : parsed;
    })(target, propertyKey);
    registerDecorator({
      name: 'isTimeParam',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be an ISO-8601 date/time (e.g. 2024-01-31T00:00:00Z) or epoch milliseconds`,
        ...validationOptions,
      },
      validator: {
        // Re-checked here: JSON bodies bring numbers the transform leaves as they are when out of range.
        validate: (value: unknown) => typeof value === 'number' && parseTimeParam(value) === value,
      },
    });
  };
}

/** Fails when the field is earlier than another time field on the same object. */
export function IsNotBefore(otherProperty: string, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: propertyKey as string,
      constraints: [otherProperty],
      options: {
        message: (args: ValidationArguments) => `${args.property} must not be before ${String(args.constraints[0])}`,
        ...validationOptions,
      },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const other = (args.object as Record<string, unknown>)[String(args.constraints[0])];
          if (typeof value !== 'number' || typeof other !== 'number') return true;
          return value >= other;
        },
      },
    });
  };
}

export function toIsoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
