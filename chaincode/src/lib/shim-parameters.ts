/**
 * fabric-shim turns a transaction's argument bytes into parameters in
 * DataMarshall.handleParameters, which for every parameter builds four debug messages whether or
 * not debug is logged (util.inspect of the bytes, JSON of the argument, of its schema and of the
 * parameter's metadata), requires 'util' again, and compiles the parameter's JSON schema again
 * (ajv serialises the schema to find it in its cache); winston then formats each message before
 * its transport drops it. Measured in the embedded network: about 45 µs per endorsement.
 *
 * Every Shulian parameter is a string. For a `{ type: 'string' }` parameter read by
 * fabric-contract-api's JSONSerializer the value is the bytes decoded as UTF-8, which that
 * schema always accepts, so when debug output would not be shown this reads the parameters the
 * same way without the messages or the validator. Any other case (debug shown, another
 * serializer, another schema, complex types declared, a wrong parameter count) goes through
 * fabric-shim's own code, as do the serializer's own errors. Installed when a contract module
 * loads, on the fabric-shim the chaincode runs with; node_modules is not changed.
 */
import { createRequire } from 'node:module';
import { JSONSerializer } from 'fabric-contract-api';

const load = createRequire(__filename);

interface ParameterMetadata {
  schema?: unknown;
}
interface TransactionMetadata {
  parameters?: ParameterMetadata[];
}
type HandleParameters = (
  this: DataMarshall,
  fn: TransactionMetadata,
  parameters: unknown[],
  loggerPrefix: string,
) => unknown[];
interface DataMarshall {
  serializer: unknown;
  components: unknown;
  fromWireBuffer(data: unknown, schema: object, loggerPrefix: string): { value: unknown };
  handleParameters: HandleParameters;
}
interface Logger {
  silent?: boolean;
  isLevelEnabled(level: string): boolean;
}

const marshall = (
  load('fabric-shim/lib/contract-spi/datamarshall.js') as { prototype: DataMarshall }
).prototype;
// The same logger object datamarshall.js logs through (fabric-shim caches loggers by name).
const logger = (load('fabric-shim/lib/logger.js') as { getLogger(name: string): Logger }).getLogger(
  'contracts-spi/datamarshall.js',
);

/** Exactly `{ type: 'string' }`. */
function isStringSchema(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  let members = 0;
  for (const key in schema) {
    if (key !== 'type') return false;
    members += 1;
  }
  return members === 1 && (schema as { type: unknown }).type === 'string';
}

function isEmpty(components: unknown): boolean {
  if (components === undefined || components === null) return true;
  if (typeof components !== 'object') return false;
  for (const key in components) if (Object.hasOwn(components, key)) return false;
  return true;
}

/** Whether the fast reading below gives what fabric-shim's handleParameters would. */
function readsAsStrings(
  marshaller: DataMarshall,
  fn: TransactionMetadata,
  parameters: unknown[],
): fn is { parameters: ParameterMetadata[] } {
  const expected = fn.parameters;
  if (!expected || expected.length !== parameters.length) return false;
  if (Object.getPrototypeOf(marshaller.serializer) !== JSONSerializer.prototype) return false;
  if (!isEmpty(marshaller.components)) return false;
  if (!logger.silent && logger.isLevelEnabled('debug')) return false;
  return expected.every((parameter) => isStringSchema(parameter.schema));
}

const handleParameters = marshall.handleParameters;
// Installed once however many copies of this module load; `original` is fabric-shim's own.
if (!Object.hasOwn(handleParameters, 'original')) {
  const fast: HandleParameters = function (fn, parameters, loggerPrefix) {
    if (!readsAsStrings(this, fn, parameters)) {
      return handleParameters.call(this, fn, parameters, loggerPrefix);
    }
    const values: unknown[] = [];
    for (let i = 0; i < parameters.length; i += 1) {
      const schema = {
        properties: { prop: fn.parameters[i]?.schema },
        components: { schemas: this.components },
      };
      values.push(this.fromWireBuffer(parameters[i], schema, loggerPrefix).value);
    }
    return values;
  };
  Object.defineProperty(fast, 'original', { value: handleParameters });
  marshall.handleParameters = fast;
}
