/** Schemas shared by every REST route: the error envelope, pagination, ids. */
import { Type } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. validation_failed, email_taken' }),
      message: Type.String({ description: 'Human-readable message in the request language' }),
      fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape' },
);

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorResponse')]));

export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

export function paged<T extends import('typebox').TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    perPage: Type.Integer(),
  });
}

export const bearer = [{ bearer: [] }];
