/** Schemas shared by every REST route: the error envelope, references to shared schemas, pagination, ids. */
import { type Static, type TObject, type TSchema, type TUnsafe, Type } from 'typebox';

import { maxId } from '../db/row-id.ts';

export { maxId };

/** A row id: a positive PostgreSQL integer. */
export const Id = Type.Integer({ minimum: 1, maximum: maxId });

export const IdParams = Type.Object({ id: Id });
export const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });
export const OktmoPattern = '^[0-9]{8}([0-9]{3})?$';
export const OktmoParams = Type.Object({ oktmo: Type.String({ pattern: OktmoPattern }) });

/**
 * A `$ref` to a schema registered with `app.addSchema`, typed as that schema. The OpenAPI document keeps
 * the shared component, and the type provider checks every reply against the schema it names (a bare
 * `Type.Ref(name)` is `unknown` to it).
 */
export function ref<T extends TObject>(schema: T & { $id?: string }): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. validation_failed, email_taken' }),
      message: Type.String({ description: 'Human-readable message in the request language' }),
      fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() }))),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
          description: 'What the message speaks of, for a program, e.g. appealId of the open appeal (appeal_already_drafted), seconds (rate_limited)',
        }),
      ),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape' },
);

type ErrorResponses<Statuses extends readonly number[]> = { [Status in Statuses[number]]: TUnsafe<Static<typeof ErrorResponse>> };

/**
 * The error answers of an operation, each in the one error shape. Every operation may also answer 503
 * `service_unavailable` (with Retry-After) while the database cannot be reached, so that is always listed.
 */
export function errorResponses<const Statuses extends readonly number[]>(...statuses: Statuses): ErrorResponses<[...Statuses, 503]> {
  return Object.fromEntries([...statuses, 503].map((status) => [status, ref(ErrorResponse)])) as ErrorResponses<[...Statuses, 503]>;
}

export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

export function paged<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    perPage: Type.Integer(),
  });
}

export const bearer = [{ bearer: [] }];

/** An organization's cabinet operation a clerk may call: a personal token, or that organization's own token. */
export const cabinetSecurity: Record<string, string[]>[] = [{ bearer: [] }, { organizationToken: [] }];

/** A JSON object whose members this document does not fix (an export, a third-party challenge): serialised whole. */
export const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** A route anyone may call: no token is read. */
export const noAuth: [] = [];

/** A public route whose answer depends on who asks (drafts for their author, the viewer's rights): a token is optional. */
export const optionalBearer: Record<string, string[]>[] = [{}, { bearer: [] }];

/**
 * For a route whose JSON body is optional (every field has a default): a request without a body is
 * validated as `{}`, so a client that sent none before the body existed keeps working. The schema in
 * the OpenAPI document says the body is not required.
 */
export async function absentBodyIsEmpty(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
