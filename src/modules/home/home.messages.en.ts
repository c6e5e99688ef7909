/** English messages of the home page: exactly the keys of home.messages.ru.ts. */
import type { EnglishOf } from '../../core/i18n/i18n.ts';
import type { homeRu } from './home.messages.ru.ts';

export const homeEn: EnglishOf<typeof homeRu> = {
  'home.pageTitle': 'Collective appeals to government',
  'home.title': 'Solving problems together',
  'home.lead':
    'Publish a problem, write a collective appeal with your neighbours and collect signatures. When there are enough, Democrator sends the appeal to the addressee, publishes the answer and lets you rate it.',
  'home.join': 'Join',
  'home.browse': 'Browse territories',
  'home.how': 'How it works',
  'home.step1': 'A resident publishes a problem: what happened, where, and who it affects.',
  'home.step2': 'Together we write a collective appeal and choose the addressee: a government body, a deputy or an organization.',
  'home.step3': 'We collect signatures. At the threshold (usually 50) the platform sends the appeal and watches the legal deadlines (Federal Law 59-FZ).',
  'home.step4': 'The answer is published, the signers rate it, and the ratings add up to the organization’s public rating.',
  'home.regions': 'Regions with detailed data',
  'home.allRegions': 'All federal subjects of Russia',
  'home.organizations': { one: '{count} organization', other: '{count} organizations' },
  'home.categories': 'Topics',
  'home.principles': 'Our principles',
  'home.principle1': 'A signature is bound to the exact text of the appeal: it cannot change once signing has started.',
  'home.principle2': 'Only the addressee sees the signers’ addresses; the public sees only “Ivan P.” and the municipality, and only with consent.',
  'home.principle3': 'Every change of an appeal’s status is an event on its public timeline.',
};
