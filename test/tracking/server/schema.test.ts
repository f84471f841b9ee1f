/**
 * schema.ts: a TypeBox shape read with the proto JSON rules and MLflow's schema checks
 * (mlflow/server/handlers.py `_validate_request_json_with_schema`: required fields missing or "" →
 * "Missing value for required parameter 'X'…", wrong types → "Invalid value … supplied").
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../src/tracking/errors.js';
import { atMost } from '../../../src/tracking/server/request.js';
import { keyValue, proto, readTyped, toMessageType } from '../../../src/tracking/server/schema.js';

const Stage = proto.enum('Stage', { None: 0, Staging: 1, Production: 2, Archived: 3 });
const Shape = proto.message('CreateThing', {
  name: proto.string(),
  version: Type.Optional(proto.int64()),
  stage: Type.Optional(Stage),
  archive: Type.Optional(proto.bool()),
  tags: Type.Optional(proto.repeated(keyValue('ThingTag'))),
  max_results: Type.Optional(proto.int64()),
});

function post(body: unknown): FastifyRequest {
  return {
    method: 'POST',
    query: {},
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  } as unknown as FastifyRequest;
}

function get(query: Record<string, string | string[]>): FastifyRequest {
  return { method: 'GET', query, headers: {} } as unknown as FastifyRequest;
}

async function refusal(request: FastifyRequest): Promise<MlflowError> {
  const err = await readTyped(request, Shape, { checks: { max_results: [atMost(100)] } }).catch((e) => e);
  expect(err).toBeInstanceOf(MlflowError);
  return err as MlflowError;
}

describe('readTyped', () => {
  it('reads a body onto the typed message: int64 from a string, enum by number, nested repeated messages', async () => {
    const { message } = await readTyped(
      post({ name: 'm', version: '7', stage: 2, archive: true, tags: [{ key: 'a', value: 'b' }], extra: 1 }),
      Shape,
    );
    // The static type is derived from the schema: these compile without casts.
    const name: string = message.name;
    const version: number | undefined = message.version;
    const stage: 'None' | 'Staging' | 'Production' | 'Archived' | undefined = message.stage;
    expect({ name, version, stage, archive: message.archive, tags: message.tags }).toEqual({
      name: 'm',
      version: 7,
      stage: 'Production',
      archive: true,
      tags: [{ key: 'a', value: 'b' }],
    });
  });

  it('reads a GET query string with the proto field types', async () => {
    const { message } = await readTyped(get({ name: 'm', archive: 'TRUE', version: '3' }), Shape);
    expect(message).toEqual({ name: 'm', archive: true, version: 3 });
  });

  it("answers a missing or empty required field with MLflow's text", async () => {
    for (const body of [{}, { name: '' }, { name: null }]) {
      const err = await refusal(post(body));
      expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect(err.message).toBe(
        "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      );
    }
  });

  it("answers a wrongly typed field with MLflow's invalid-value text, naming the nested path", async () => {
    expect((await refusal(post({ name: 5 }))).message).toMatch(
      /^Invalid value 5 for parameter 'name' supplied/,
    );
    expect((await refusal(post({ name: 'm', stage: 'Prod' }))).message).toMatch(
      /^Invalid value "Prod" for parameter 'stage' supplied/,
    );
    expect((await refusal(post({ name: 'm', tags: [{ key: 1 }] }))).message).toMatch(
      /^Invalid value 1 for parameter 'tags\[0\]\.key' supplied/,
    );
  });

  it("runs a handler's own checks after the type checks", async () => {
    expect((await refusal(post({ name: 'm', max_results: 101 }))).message).toMatch(
      /^Invalid value 101 for parameter 'max_results'/,
    );
  });

  it('converts the schema to the proto message once', () => {
    const type = toMessageType(Shape);
    expect(toMessageType(Shape)).toBe(type);
    expect(type.fields.tags).toEqual({
      type: {
        kind: 'message',
        name: 'ThingTag',
        fields: { key: { type: 'string' }, value: { type: 'string' } },
      },
      repeated: true,
    });
    expect(type.fields.stage.type).toMatchObject({ kind: 'enum', values: { Production: 2 } });
  });
});
