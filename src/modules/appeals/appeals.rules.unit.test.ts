import { describe, expect, it } from 'vitest';
import {
  type AppealAction,
  appealStages,
  awaitsAnswer,
  canPerform,
  nextStatus,
  normalizeAppealText,
  signatoryName,
  statusesAllowing,
  textSha256,
} from './appeals.rules.ts';

describe('appeal rules', () => {
  it('lets people sign only while collecting, and edit only the draft', () => {
    expect(canPerform('collecting', 'sign')).toBe(true);
    for (const status of ['draft', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded', 'withdrawn'] as const)
      expect(canPerform(status, 'sign')).toBe(false);
    expect(canPerform('draft', 'revise')).toBe(true);
    expect(canPerform('collecting', 'revise')).toBe(false);
    expect(nextStatus('draft', 'open')).toBe('collecting');
    expect(nextStatus('collecting', 'dispatch')).toBe('sent');
    expect(() => nextStatus('sent', 'withdraw')).toThrow();
  });

  it('guards each SQL status change with exactly the states the rules allow, and each allowed one moves on', () => {
    const all = ['draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded', 'withdrawn'] as const;
    const actions: AppealAction[] = [
      'revise',
      'open',
      'sign',
      'withdrawSignature',
      'dispatch',
      'recordSelfSent',
      'withdraw',
      'markOverdue',
      'forward',
      'downloadPdf',
    ];
    for (const action of actions) {
      expect({ action, states: statusesAllowing(action).sort() }).toEqual({ action, states: all.filter((s) => canPerform(s, action)).sort() });
      for (const status of statusesAllowing(action)) expect(() => nextStatus(status, action)).not.toThrow();
    }
    expect(statusesAllowing('withdraw').map((s) => nextStatus(s, 'withdraw'))).toEqual(['withdrawn', 'withdrawn']);
    // Forwarded while the body holds it unanswered (59-FZ Art. 8 p. 3), and once: a forwarded appeal forwards no more.
    expect(statusesAllowing('forward').map((s) => [s, nextStatus(s, 'forward')])).toEqual([
      ['sent', 'forwarded'],
      ['registered', 'forwarded'],
    ]);
    expect(all.filter(awaitsAnswer)).toEqual(['sent', 'registered']);
    // Overdue is a fact about an appeal awaiting an answer, not a state of its own.
    expect(statusesAllowing('markOverdue').map((s) => [s, nextStatus(s, 'markOverdue')])).toEqual([
      ['sent', 'sent'],
      ['registered', 'registered'],
    ]);
  });

  it('hashes the text a signer sees, whatever the line endings it was typed with', () => {
    const typed = 'Просим отремонтировать дорогу.\r\n\r\nЯмы глубиной 20 см.   \r\n';
    expect(normalizeAppealText(typed)).toBe('Просим отремонтировать дорогу.\n\nЯмы глубиной 20 см.');
    expect(textSha256(normalizeAppealText(typed))).toBe(textSha256('Просим отремонтировать дорогу.\n\nЯмы глубиной 20 см.'));
    expect(textSha256('а')).toMatch(/^[0-9a-f]{64}$/);
    expect(textSha256('а')).not.toBe(textSha256('б'));
  });

  it('writes the full name as the law wants it', () => {
    expect(signatoryName(' Петров ', 'Иван', null)).toBe('Петров Иван');
    expect(signatoryName('Петров', 'Иван', 'Андреевич')).toBe('Петров Иван Андреевич');
  });
});

describe('the stage tracker', () => {
  const states = (appeal: Parameters<typeof appealStages>[0]) => appealStages(appeal).map(({ stage, state }) => `${stage}:${state}`);

  it('checks the stages passed, marks the status and mutes the rest', () => {
    expect(states({ status: 'draft' })).toEqual([
      'draft:current',
      'collecting:upcoming',
      'sent:upcoming',
      'registered:upcoming',
      'answered:upcoming',
      'review:upcoming',
      'closed:upcoming',
    ]);
    expect(states({ status: 'registered' }).slice(0, 5)).toEqual(['draft:done', 'collecting:done', 'sent:done', 'registered:current', 'answered:upcoming']);
    expect(states({ status: 'closed' }).every((s) => s.endsWith(':done'))).toBe(true);
  });

  it('ends a withdrawn or forwarded appeal where it stopped, with nothing after it', () => {
    expect(states({ status: 'withdrawn', opened_at: null })).toEqual(['draft:done', 'withdrawn:current']);
    expect(states({ status: 'withdrawn', opened_at: new Date() })).toEqual(['draft:done', 'collecting:done', 'withdrawn:current']);
    expect(states({ status: 'forwarded', registration_number: null })).toEqual(['draft:done', 'collecting:done', 'sent:done', 'forwarded:current']);
    expect(states({ status: 'forwarded', registration_number: 'ОГ-1' }).at(-2)).toBe('registered:done');
  });
});
