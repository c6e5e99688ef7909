/** Which database errors are "the database is away" (503, retry) and which are the statement's own (4xx/500). */
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['57P01 (session ended by an administrator)', withCode('57P01', 'terminating connection due to administrator command')],
    ['57P02 (server crash)', withCode('57P02')],
    ['57P03 (server starting up)', withCode('57P03', 'the database system is starting up')],
    ['08006 (connection failure)', withCode('08006')],
    ['08001 (cannot connect)', withCode('08001')],
    ['53300 (too many connections)', withCode('53300')],
    ['ECONNRESET', withCode('ECONNRESET', 'read ECONNRESET')],
    ['ECONNREFUSED', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a socket closed under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a client broken earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['the cause of a wrapping error', Object.assign(new Error('query failed'), { cause: withCode('57P01') })],
  ])('%s: yes', (_label, error) => expect(isDatabaseUnavailable(error)).toBe(true));

  it.each([
    ['23505 (unique violation)', withCode('23505', 'duplicate key value violates unique constraint')],
    ['22P02 (invalid input)', withCode('22P02')],
    ['40001 (serialization failure)', withCode('40001')],
    ['42P01 (a missing table: a bug)', withCode('42P01')],
    ['a plain error', new Error('boom')],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('%s: no', (_label, error) => expect(isDatabaseUnavailable(error)).toBe(false));
});
