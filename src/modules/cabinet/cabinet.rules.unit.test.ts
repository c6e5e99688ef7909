/** The cabinet's pure rules: the inbox's filters from a query string, saved views' queries, templates filled in, and the checks on what officials type. */
import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import { inboxFilterFrom } from './cabinet.inbox.ts';
import { checkMembershipRequest, checkTemplate, fillTemplate, inboxQuery } from './cabinet.rules.ts';

describe('the inbox filters', () => {
  it('reads what it understands and falls back to the defaults for the rest', () => {
    expect(inboxFilterFrom({})).toEqual({
      state: 'awaiting',
      overdue: false,
      assignee: null,
      territoryOktmo: null,
      categorySlug: null,
      search: '',
      sort: 'due',
      page: 1,
      perPage: 50,
    });
    expect(
      inboxFilterFrom({ state: 'review', overdue: '1', assignee: '12', territory: '28701000', category: 'roads', q: '  яма ', sort: 'signatures', page: '3' }),
    ).toMatchObject({
      state: 'review',
      overdue: true,
      assignee: 12,
      territoryOktmo: '28701000',
      categorySlug: 'roads',
      search: 'яма',
      sort: 'signatures',
      page: 3,
    });
    expect(inboxFilterFrom({ assignee: 'none' }).assignee).toBe('none');
    // Garbage is the default, never an error: a link is a link.
    expect(
      inboxFilterFrom({
        state: 'drop table',
        overdue: 'maybe',
        assignee: '1e9',
        territory: '12',
        category: 'Roads!',
        sort: 'x',
        page: '-1',
        perPage: '100000',
      }),
    ).toMatchObject({ state: 'awaiting', overdue: false, assignee: null, territoryOktmo: null, categorySlug: null, sort: 'due', page: 1, perPage: 50 });
    expect(inboxFilterFrom({ q: 'я'.repeat(500) }).search).toHaveLength(200);
    expect(inboxFilterFrom({ state: ['closed', 'review'] }).state).toBe('closed');
  });

  it('keeps only the inbox’s own parameters in a saved view, in one order', () => {
    expect(inboxQuery({ sort: 'due', page: '4', q: 'яма', state: 'awaiting', evil: '<x>' })).toBe('state=awaiting&q=%D1%8F%D0%BC%D0%B0&sort=due');
    expect(inboxQuery({})).toBe('');
  });
});

describe('templates', () => {
  it('put the appeal’s number, date and title in, and the registration number when it has one', () => {
    const body = 'На обращение {номер} от {дата} «{заголовок}» сообщаем: {номер}.';
    expect(fillTemplate(body, { id: 12, title: 'Яма', registrationNumber: null, sentOn: '05.03.2026' })).toBe(
      'На обращение № 12 от 05.03.2026 «Яма» сообщаем: № 12.',
    );
    expect(fillTemplate(body, { id: 12, title: 'Яма', registrationNumber: 'ОГ-77', sentOn: null })).toBe('На обращение ОГ-77 от  «Яма» сообщаем: ОГ-77.');
  });

  it('need a title and a text within their limits', () => {
    const checks = new FieldChecks();
    checkTemplate(checks, { title: ' ', body: 'я'.repeat(20_001) });
    expect(checks.problems).toEqual([
      { field: 'title', rule: 'required' },
      { field: 'body', rule: 'tooLong', params: { limit: 20_000 } },
    ]);
  });
});

describe('a request to join', () => {
  it('needs a position and a note of at most 1,000 characters', () => {
    const checks = new FieldChecks();
    checkMembershipRequest(checks, { position: '', note: 'я'.repeat(1001) });
    expect(checks.problems).toEqual([
      { field: 'position', rule: 'required' },
      { field: 'note', rule: 'tooLong', params: { limit: 1000 } },
    ]);
  });
});
