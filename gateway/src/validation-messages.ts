/**
 * Request validation failures said in a person's words: a value that breaks a
 * pattern is explained by the schema's description ("from (YYYY-MM-DD in CST, or an ISO
 * instant)") instead of the 100-character regular expression, and a choice among literals lists
 * the choices instead of "Expected union value". The CLI and the console show these messages;
 * http-contract.ts's validator compiler uses them.
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

function choices(schema: TSchema): unknown[] | undefined {
  const anyOf = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(anyOf)) return undefined;
  const consts = anyOf.map((s) => (s as { const?: unknown }).const);
  return consts.every((c) => c !== undefined) ? consts : undefined;
}

/** Failures whose TypeBox text shows the schema's machinery (a pattern, "union value"). */
const EXPLAINED: ReadonlySet<ValueErrorType> = new Set([
  ValueErrorType.StringPattern,
  ValueErrorType.StringFormat,
  ValueErrorType.StringFormatUnknown,
  ValueErrorType.Union,
]);

export function explain(error: ValueError): string {
  const listed = choices(error.schema);
  if (listed) return `must be one of ${listed.map(String).join(', ')}`;
  const description = (error.schema as { description?: unknown }).description;
  const described = typeof description === 'string' ? `expected ${description}` : undefined;
  if (EXPLAINED.has(error.type))
    return described ? `is not valid: ${described}` : 'is not in the expected form';
  return error.message;
}
