/**
 * Request shapes declared once, as TypeBox schemas annotated with their proto types, for the routes
 * added since issue 9 (registry, logged models, auth). One declaration gives both:
 * - the TypeScript type of the parsed request (`Static<typeof Shape>`), so handlers read typed
 *   fields instead of casting `Record<string, unknown>`;
 * - the proto message the parser reads the JSON or query string onto (request.ts, protobuf's JSON
 *   rules), and the handler's schema checks in MLflow's order: every field not wrapped in
 *   `Type.Optional` is required ("Missing value for required parameter 'X'…"), every field is
 *   type-checked, and `checks` adds a handler's own checks (limits) after them.
 *
 * Fields are declared in the order MLflow's handler lists them in its schema, since the first
 * failing check is the one reported.
 *
 * ```ts
 * const GetModelVersion = proto.message('GetModelVersion', {
 *   name: proto.string(),
 *   version: proto.string(),
 * });
 * const { message } = await readTyped(request, GetModelVersion); // message.name: string
 * ```
 */
import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EnumType, FieldSpec, MessageType, Scalar } from './messages.js';
import { type Check, readRequest, type Schema } from './request.js';

/** The proto annotation TypeBox carries on each schema (TypeBox keeps unknown options). */
interface ProtoAnnotation {
  proto?: Scalar | 'enum' | 'message';
  protoName?: string;
  protoValues?: Readonly<Record<string, number>>;
}

/** Schema builders for proto fields. Wrap a field in `Type.Optional` unless MLflow requires it. */
export const proto = {
  string: () => Type.String({ proto: 'string' }),
  /** int64 as a JS number (a decimal string is accepted, beyond 2^53 refused: request.ts). */
  int64: () => Type.Integer({ proto: 'int64' }),
  int32: () => Type.Integer({ proto: 'int32' }),
  double: () => Type.Number({ proto: 'double' }),
  bool: () => Type.Boolean({ proto: 'bool' }),
  /** A proto enum, read by name or number; parsed to its name. */
  enum: <const K extends string>(name: string, values: Readonly<Record<K, number>>) =>
    Type.Unsafe<K>({
      ...Type.Union(Object.keys(values).map((v) => Type.Literal(v))),
      proto: 'enum',
      protoName: name,
      protoValues: values,
    }),
  message: <P extends TProperties>(name: string, properties: P) =>
    Type.Object(properties, { proto: 'message', protoName: name }),
  repeated: <T extends TSchema>(item: T) => Type.Array(item),
};

/** A key/value pair message (tags, params). */
export const keyValue = (name: string) =>
  proto.message(name, { key: Type.Optional(proto.string()), value: Type.Optional(proto.string()) });

const converted = new WeakMap<TObject, MessageType>();

function fieldSpec(schema: TSchema, where: string): FieldSpec {
  const annotation = schema as TSchema & ProtoAnnotation;
  if (schema.type === 'array' && (schema as { items?: TSchema }).items) {
    return { type: fieldSpec((schema as unknown as { items: TSchema }).items, where).type, repeated: true };
  }
  switch (annotation.proto) {
    case 'string':
    case 'int64':
    case 'int32':
    case 'double':
    case 'bool':
      return { type: annotation.proto };
    case 'enum': {
      const type: EnumType = {
        kind: 'enum',
        name: annotation.protoName ?? where,
        values: annotation.protoValues ?? {},
      };
      return { type };
    }
    case 'message':
      return { type: toMessageType(schema as TObject) };
    default:
      throw new Error(`schema.ts: ${where} is not a proto field; build it with proto.*`);
  }
}

/** The proto message a schema describes (cached: schemas are module constants). */
export function toMessageType(schema: TObject): MessageType {
  const cached = converted.get(schema);
  if (cached) return cached;
  const name = (schema as TObject & ProtoAnnotation).protoName ?? 'Message';
  const fields: Record<string, FieldSpec> = {};
  for (const [field, sub] of Object.entries(schema.properties))
    fields[field] = fieldSpec(sub, `${name}.${field}`);
  const type: MessageType = { kind: 'message', name, fields };
  converted.set(schema, type);
  return type;
}

/** The handler's schema checks: required first-class, then type, then the extra ones, in declaration order. */
function checksOf(schema: TObject, extra: Readonly<Record<string, readonly Check[]>>): Schema {
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties).map(
    (field) =>
      [
        field,
        [...(required.has(field) ? (['required'] as const) : []), 'type', ...(extra[field] ?? [])],
      ] as const,
  );
}

export interface TypedReadOptions {
  /** A handler's own checks per field (limits), run after the field's required and type checks. */
  checks?: Readonly<Record<string, readonly Check[]>>;
}

/**
 * Read a request onto `schema` (request.ts: query string for GET, else the JSON body, proto JSON
 * rules, MLflow's error texts) and return it typed. Required fields are guaranteed set and non-empty.
 */
export async function readTyped<S extends TObject>(
  request: FastifyRequest,
  schema: S,
  options: TypedReadOptions = {},
): Promise<{ json: Record<string, unknown>; message: Static<S> }> {
  const { json, message } = await readRequest(
    request,
    toMessageType(schema),
    checksOf(schema, options.checks ?? {}),
  );
  return { json, message: message as Static<S> };
}
