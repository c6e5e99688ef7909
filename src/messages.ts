/**
 * Every module's dictionary, registered with the translation machinery at start-up (app.ts) and
 * by tests that translate without an app. A module with a `<area>.messages.ru.ts` must appear
 * here: i18n.unit.test.ts checks it against the files on disk.
 */
import { type ModuleMessages, registerMessages } from './core/i18n/i18n.ts';
import { accountsEn } from './modules/accounts/accounts.messages.en.ts';
import { accountsRu } from './modules/accounts/accounts.messages.ru.ts';
import { adminEn } from './modules/admin/admin.messages.en.ts';
import { adminRu } from './modules/admin/admin.messages.ru.ts';
import { answersEn } from './modules/answers/answers.messages.en.ts';
import { answersRu } from './modules/answers/answers.messages.ru.ts';
import { appealsEn } from './modules/appeals/appeals.messages.en.ts';
import { appealsRu } from './modules/appeals/appeals.messages.ru.ts';
import { cabinetEn } from './modules/cabinet/cabinet.messages.en.ts';
import { cabinetRu } from './modules/cabinet/cabinet.messages.ru.ts';
import { draftingEn } from './modules/drafting/drafting.messages.en.ts';
import { draftingRu } from './modules/drafting/drafting.messages.ru.ts';
import { homeEn } from './modules/home/home.messages.en.ts';
import { homeRu } from './modules/home/home.messages.ru.ts';
import { moderationEn } from './modules/moderation/moderation.messages.en.ts';
import { moderationRu } from './modules/moderation/moderation.messages.ru.ts';
import { notificationsEn } from './modules/notifications/notifications.messages.en.ts';
import { notificationsRu } from './modules/notifications/notifications.messages.ru.ts';
import { organizationsEn } from './modules/organizations/organizations.messages.en.ts';
import { organizationsRu } from './modules/organizations/organizations.messages.ru.ts';
import { problemsEn } from './modules/problems/problems.messages.en.ts';
import { problemsRu } from './modules/problems/problems.messages.ru.ts';
import { territoriesEn } from './modules/territories/territories.messages.en.ts';
import { territoriesRu } from './modules/territories/territories.messages.ru.ts';

export const moduleMessages: Record<string, ModuleMessages> = {
  accounts: { ru: accountsRu, en: accountsEn },
  admin: { ru: adminRu, en: adminEn },
  answers: { ru: answersRu, en: answersEn },
  appeals: { ru: appealsRu, en: appealsEn },
  cabinet: { ru: cabinetRu, en: cabinetEn },
  drafting: { ru: draftingRu, en: draftingEn },
  home: { ru: homeRu, en: homeEn },
  moderation: { ru: moderationRu, en: moderationEn },
  notifications: { ru: notificationsRu, en: notificationsEn },
  organizations: { ru: organizationsRu, en: organizationsEn },
  problems: { ru: problemsRu, en: problemsEn },
  territories: { ru: territoriesRu, en: territoriesEn },
};

export function registerModuleMessages(): void {
  registerMessages(moduleMessages);
}
