/** Where a notification leads, and what it says when it carries more than its sentence (a solved problem's note, an extension's days). */
import { describe, expect, it } from 'vitest';
import { registerModuleMessages } from '../../messages.ts';
import { notificationPath, notificationText } from './notifications.texts.ts';

registerModuleMessages();

describe('a notification', () => {
  it('leads to its appeal, else its problem, else to the cabinet page or request it names on this site', () => {
    expect(notificationPath({ appeal_id: 4, problem_id: 2 })).toBe('/appeals/4');
    expect(notificationPath({ appeal_id: null, problem_id: 2 })).toBe('/problems/2');
    expect(notificationPath({ appeal_id: 4, problem_id: 2, data: { path: '/cabinet/tver/appeals/4' } })).toBe('/cabinet/tver/appeals/4');
    expect(notificationPath({ appeal_id: null, problem_id: null, data: { path: '/organizations/tver/join' } })).toBe('/organizations/tver/join');
    // Never another site, nor any other path a record might carry.
    for (const path of ['//evil.example/cabinet', 'https://evil.example', '/cabinet/../admin', '/account/delete', '/cabinet/x?y=1', 'javascript:alert(1)']) {
      expect(notificationPath({ appeal_id: null, problem_id: null, data: { path } })).toBe('/notifications');
    }
  });

  it('says the note of a solved problem and the days of an extension in the right plural', () => {
    expect(notificationText('ru', { kind: 'problem.solved', problem_id: 1, appeal_id: null, data: { title: 'Яма', note: 'Заделали.' } })).toBe(
      'Проблема «Яма» отмечена автором как решённая. Автор пишет: «Заделали.»',
    );
    const extended = (days: number) =>
      notificationText('ru', {
        kind: 'appeal.extended',
        problem_id: 1,
        appeal_id: 2,
        data: { title: 'Мост', organization: 'Администрация', answerDueAt: '2027-01-26T20:59:59.999Z', timeZone: 'Europe/Moscow', days, reason: 'экспертиза' },
      });
    expect(extended(1)).toContain('на 1 день — теперь ответ должен прийти не позднее 26 января 2027 г.; причина: экспертиза');
    expect(extended(3)).toContain('на 3 дня');
    expect(extended(20)).toContain('на 20 дней');
  });
});
