import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody, type FieldError } from './validation';

/**
 * Deepest nesting of objects and arrays a request body may have. Our DTOs go three levels deep; class-transformer
 * and class-validator recurse once per level, so a body nested thousands of levels overflows the stack (a 500).
 */
export const JSON_MAX_DEPTH = 32;

/**
 * Keys that name an object's prototype chain. JSON.parse keeps them as plain own properties, but code that copies
 * or merges a body (Object.assign, spread into defaults, deep merges in libraries) can turn them into prototype
 * pollution; the validation pipe would only drop them silently. They are refused instead.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first rule a parsed body breaks (depth, then forbidden keys, depth-first), or undefined. */
export function unsafeJsonError(body: unknown): FieldError | undefined {
  // An explicit stack: the check itself must not recurse on the nesting it is there to refuse.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth + 1 > JSON_MAX_DEPTH) {
      const message = `body: JSON nested more than ${JSON_MAX_DEPTH} levels deep is refused`;
      return { field: 'body', rule: 'max depth', message };
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) {
        return { field: childPath, rule: 'forbidden key', message: `${childPath}: the key "${key}" is not allowed in a request body` };
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Answers 400 (the project's error shape) for a parsed body that breaks a rule of unsafeJsonError. Runs after the body parsers. */
export function refuseUnsafeJson(): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const error = unsafeJsonError(request.body as unknown);
    if (!error) return next();
    response.status(400).json(errorBody(400, error.field, error.rule, error.message));
  };
}
