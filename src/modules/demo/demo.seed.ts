/**
 * Demo content for a fresh installation: the municipalities of two regions (through the same
 * importer an admin uses), organizations with their hierarchy and jurisdictions, a few users, their
 * problems, and two appeals: one collecting signatures, one its author sent on paper, answered and rated.
 * Loaded into an empty database only (SEED_DEMO=auto), never over real data. Everything is created
 * through the owners' services, as the test factories do: the seed names no table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../core/context.ts';
import type { OrganizationKind } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { countUsers, createOperatorAccount, hashPassword } from '../accounts/accounts.service.ts';
import { rateAnswer } from '../answers/answers.review.ts';
import { uploadAnswer } from '../answers/answers.upload.ts';
import { proposeAmendment } from '../appeals/appeals.amendments.ts';
import { joinDraft, setDraftShared } from '../appeals/appeals.revisions.ts';
import { createAppeal, openForSignatures, recordSelfSent } from '../appeals/appeals.service.ts';
import { sign } from '../appeals/appeals.signing.ts';
import { countOrganizations, createOrganization, listCategories } from '../organizations/organizations.service.ts';
import { addComment, createProblem, markSolved } from '../problems/problems.service.ts';
import { dataDir, importMunicipalities, territoryIdsByOktmo } from '../territories/territories.service.ts';

/** Known to anyone who reads the README: demo accounts are for trying the site locally. */
export const demoPassword = 'demo-Democrator-2026';

export const demoUsers = [
  { email: 'admin@democrator.local', surname: 'Администраторова', first: 'Анна', patronymic: 'Сергеевна', role: 'admin' as const },
  { email: 'moderator@democrator.local', surname: 'Модестов', first: 'Михаил', patronymic: 'Ильич', role: 'moderator' as const },
  { email: 'ivan@democrator.local', surname: 'Петров', first: 'Иван', patronymic: 'Андреевич', role: 'citizen' as const },
  { email: 'olga@democrator.local', surname: 'Смирнова', first: 'Ольга', patronymic: 'Викторовна', role: 'citizen' as const },
];

interface DemoOrganization {
  key: string;
  name: string;
  kind: OrganizationKind;
  territory: string;
  parent?: string;
  email?: string;
  address?: string;
  website?: string;
  threshold?: number;
  /** Territories (OKTMO) under its jurisdiction, with category slugs (none: all). */
  jurisdictions: { oktmo: string; categories?: string[] }[];
}

const organizations: DemoOrganization[] = [
  {
    key: 'tver-government',
    name: 'Правительство Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    address: '170100, г. Тверь, Советская ул., д. 44',
    website: 'https://tverreg.ru',
    email: 'priemnaya@tver.demo',
    threshold: 100,
    jurisdictions: [{ oktmo: '28000000' }],
  },
  {
    key: 'tver-roads',
    name: 'Министерство транспорта Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    parent: 'tver-government',
    email: 'mintrans@tver.demo',
    address: '170100, г. Тверь, ул. Новоторжская, д. 24',
    jurisdictions: [{ oktmo: '28000000', categories: ['roads', 'transport'] }],
  },
  {
    key: 'tver-housing',
    name: 'Министерство энергетики и ЖКХ Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    parent: 'tver-government',
    email: 'mingkh@tver.demo',
    jurisdictions: [{ oktmo: '28000000', categories: ['housing'] }],
  },
  {
    key: 'tver-assembly',
    name: 'Законодательное Собрание Тверской области',
    kind: 'legislative_body',
    territory: '28000000',
    email: 'zsto@tver.demo',
    jurisdictions: [],
  },
  {
    key: 'tver-city',
    name: 'Администрация города Твери',
    kind: 'municipal_administration',
    territory: '28701000',
    parent: 'tver-government',
    email: 'adm@tver-city.demo',
    address: '170100, г. Тверь, ул. Советская, д. 11',
    jurisdictions: [{ oktmo: '28701000' }],
  },
  {
    key: 'olenino',
    name: 'Администрация Оленинского муниципального округа',
    kind: 'municipal_administration',
    territory: '28544000',
    parent: 'tver-government',
    email: 'olenino@tver.demo',
    address: '172400, Тверская обл., пгт Оленино, ул. Октябрьская, д. 7',
    threshold: 50,
    jurisdictions: [{ oktmo: '28544000' }],
  },
  {
    key: 'tver-water',
    name: 'ООО «Тверь Водоканал»',
    kind: 'utility',
    territory: '28701000',
    email: 'info@tvervoda.demo',
    jurisdictions: [{ oktmo: '28701000', categories: ['housing'] }],
  },
  {
    key: 'yaroslavl-government',
    name: 'Правительство Ярославской области',
    kind: 'regional_body',
    territory: '78000000',
    email: 'priemnaya@yar.demo',
    threshold: 100,
    jurisdictions: [{ oktmo: '78000000' }],
  },
  {
    key: 'yaroslavl-city',
    name: 'Мэрия города Ярославля',
    kind: 'municipal_administration',
    territory: '78701000',
    parent: 'yaroslavl-government',
    email: 'mayor@yar-city.demo',
    jurisdictions: [{ oktmo: '78701000' }],
  },
  {
    key: 'ecology-ngo',
    name: 'Общественная экологическая инициатива «Чистая Волга»',
    kind: 'ngo',
    territory: '78000000',
    email: 'volga@ngo.demo',
    jurisdictions: [
      { oktmo: '78000000', categories: ['ecology'] },
      { oktmo: '28000000', categories: ['ecology'] },
    ],
  },
];

interface DemoProblem {
  author: string;
  title: string;
  description: string;
  category: string;
  territory: string;
  address?: string;
  point?: [number, number];
  solved?: boolean;
  comments?: { author: string; body: string }[];
  /** An appeal about it to the organization of this key, signed by these people (the author among them or not). */
  appeal?: DemoAppeal;
}

interface DemoAppeal {
  organization: string;
  title: string;
  text: string;
  /** E-mails of the signers, in order. */
  signers: string[];
  /** An amendment proposed while it collects signatures (waiting for the author's decision): who, the new text, why. */
  amendment?: { by: string; text: string; reason: string };
  /** Left a draft, shared for co-writing, with these co-authors (e-mails) joined. */
  draft?: { coauthors: string[] };
  /** Sent by its author on paper (not by the platform), with the body's answer uploaded by the author and rated. */
  sentOnPaper?: {
    registrationNumber: string;
    answer: string;
    outgoingNumber: string;
    ratings: { by: string; score: number; solved: 'yes' | 'partly' | 'no'; comment: string }[];
  };
}

/** Problems residents of the two demo regions might publish; some with a point on the map. */
export const demoProblems: DemoProblem[] = [
  {
    author: 'ivan@democrator.local',
    title: 'Ямы на улице Склизкова у дома 48',
    description:
      'После зимы на проезжей части улицы Склизкова между домами 44 и 52 образовались глубокие ямы, самая большая — около метра в длину. В дождь их не видно под водой, машины пробивают колёса, автобус № 21 объезжает ямы по встречной полосе.\n\nЯмочный ремонт здесь делали прошлым летом, но асфальт снова разрушился. Просим отремонтировать участок полностью, а не латать.',
    category: 'roads',
    territory: '28701000',
    address: 'г. Тверь, ул. Склизкова, д. 48',
    point: [56.8412, 35.8641],
    comments: [
      { author: 'olga@democrator.local', body: 'Подтверждаю, на прошлой неделе там же пробила колесо. Готова подписать обращение.' },
      { author: 'ivan@democrator.local', body: 'Спасибо! Соберу фотографии всех ям и подготовлю текст обращения в администрацию города.' },
    ],
    appeal: {
      organization: 'tver-city',
      title: 'О капитальном ремонте проезжей части улицы Склизкова',
      text: 'Мы, жители Твери, просим провести капитальный ремонт проезжей части улицы Склизкова на участке между домами 44 и 52.\n\nПосле зимы на этом участке образовались глубокие ямы длиной до метра. В дождь их не видно под водой, автомобили повреждают колёса, автобус маршрута № 21 объезжает ямы по встречной полосе. Ямочный ремонт прошлым летом не помог: асфальт снова разрушился.\n\nПросим включить участок в план ремонта дорог на ближайший сезон и сообщить сроки работ.',
      signers: ['olga@democrator.local', 'ivan@democrator.local'],
      amendment: {
        by: 'olga@democrator.local',
        text: 'Мы, жители Твери, просим провести капитальный ремонт проезжей части улицы Склизкова на участке между домами 44 и 52.\n\nПосле зимы на этом участке образовались глубокие ямы длиной до метра. В дождь их не видно под водой, автомобили повреждают колёса, автобус маршрута № 21 объезжает ямы по встречной полосе. Ямочный ремонт прошлым летом не помог: асфальт снова разрушился.\n\nПросим включить участок в план ремонта дорог на ближайший сезон, до его начала засыпать самые глубокие ямы щебнем и сообщить сроки работ.',
        reason: 'До капитального ремонта пройдёт не один месяц, а ямы опасны уже сейчас: стоит попросить и временную меру.',
      },
    },
  },
  {
    author: 'olga@democrator.local',
    title: 'Разрушен павильон остановки «Улица Хромова»',
    description:
      'На остановке «Улица Хромова» (в сторону центра) разбито боковое стекло павильона, скамейка сломана, крыша протекает. Осколки лежат на тротуаре уже вторую неделю. Здесь каждое утро ждут автобус школьники и пожилые люди.\n\nПросим убрать осколки, заменить стекло и скамейку.',
    category: 'transport',
    territory: '28701000',
    address: 'г. Тверь, ул. Хромова, остановка «Улица Хромова»',
    point: [56.8615, 35.9282],
    appeal: {
      organization: 'tver-city',
      title: 'О ремонте павильона остановки «Улица Хромова»',
      text: 'Просим отремонтировать павильон остановки общественного транспорта «Улица Хромова» (в сторону центра): заменить разбитое боковое стекло и сломанную скамейку, устранить протечку крыши и убрать осколки с тротуара.\n\nОстановкой каждое утро пользуются школьники и пожилые люди; осколки лежат на тротуаре больше недели.',
      signers: ['ivan@democrator.local'],
      sentOnPaper: {
        registrationNumber: 'Ж-1187',
        answer:
          'Администрация города Твери рассмотрела коллективное обращение о состоянии павильона остановки «Улица Хромова».\n\nОсколки стекла убраны, скамейка заменена. Замена бокового стекла и ремонт кровли павильона включены в план работ подрядной организации и будут выполнены в течение месяца.',
        outgoingNumber: '01-23/4567',
        ratings: [
          { by: 'ivan@democrator.local', score: 4, solved: 'partly', comment: 'Скамейку действительно заменили, осколки убрали. Стекло и крышу ждём.' },
        ],
      },
    },
  },
  {
    author: 'olga@democrator.local',
    title: 'Детская площадка на улице Мира пришла в негодность',
    description:
      'Площадка во дворе домов 5–9 по улице Мира построена больше пятнадцати лет назад. Горка треснула, у качелей оторвано сиденье, из песочницы торчат гвозди. Дети играют на проезжей части двора.\n\nПросим включить площадку в программу благоустройства и заменить оборудование.',
    category: 'urban-improvement',
    territory: '28544000',
    address: 'пгт Оленино, ул. Мира, двор домов 5–9',
    point: [56.2087, 33.4932],
    appeal: {
      organization: 'olenino',
      title: 'О замене оборудования детской площадки на улице Мира',
      text: 'Просим включить детскую площадку во дворе домов 5–9 по улице Мира в программу благоустройства на следующий год.\n\n## Что сломано\n\n- треснула горка;\n- у качелей оторвано сиденье;\n- из бортов песочницы торчат гвозди.\n\nДети играют на проезжей части двора. Просим заменить оборудование и сообщить сроки работ.',
      signers: [],
      draft: { coauthors: ['ivan@democrator.local'] },
    },
  },
  {
    author: 'ivan@democrator.local',
    title: 'Незаконная свалка в лесополосе за улицей Гагарина',
    description:
      'В лесополосе за гаражами на улице Гагарина растёт стихийная свалка: строительный мусор, старая мебель, покрышки. Весной мусор поджигали, дым шёл на жилые дома. Свалка уже занимает несколько сотен квадратных метров.\n\nПросим ликвидировать свалку, найти тех, кто вывозит туда мусор, и поставить ограждение и камеры.',
    category: 'ecology',
    territory: '78701000',
    address: 'г. Ярославль, лесополоса за гаражами на ул. Гагарина',
    point: [57.5889, 39.8227],
  },
  {
    author: 'olga@democrator.local',
    title: 'Дома на улице Чкалова неделями без отопления',
    description:
      'С начала октября в домах 12, 14 и 16 по улице Чкалова отопление то включают, то отключают на несколько дней. В квартирах +15, в угловых ещё холоднее. Управляющая компания ссылается на аварии на теплотрассе, но сроков ремонта не называет.\n\nПросим провести проверку и обеспечить подачу тепла по нормативу.',
    category: 'housing',
    territory: '78715000',
    address: 'г. Рыбинск, ул. Чкалова, д. 12–16',
  },
  {
    author: 'ivan@democrator.local',
    title: 'Не работает освещение в сквере на Новоторжской улице',
    description:
      'В сквере у дома 8 по Новоторжской улице с сентября не горят фонари вдоль центральной аллеи. Вечером сквер совершенно тёмный, а через него многие ходят к остановке.',
    category: 'urban-improvement',
    territory: '28701000',
    address: 'г. Тверь, сквер на Новоторжской ул., у д. 8',
    solved: true,
    comments: [{ author: 'ivan@democrator.local', body: 'Фонари починили **за неделю** после звонка в диспетчерскую. Спасибо всем, кто поддержал!' }],
  },
];

/** Ids by key: demo data names territories by OKTMO code, categories by slug and people by e-mail. */
interface DemoIds {
  territories: Map<string, number>;
  categories: Map<string, number>;
  users: Map<string, number>;
  organizations: Map<string, number>;
}

function idOf(ids: Map<string, number>, key: string, what: string): number {
  const id = ids.get(key);
  if (!id) throw new Error(`demo data names unknown ${what} ${key}`);
  return id;
}

async function seedDemoProblems(ctx: AppContext, ids: DemoIds): Promise<void> {
  const actor = (email: string): Actor => ({
    id: idOf(ids.users, email, 'user'),
    role: 'citizen',
    emailVerified: true,
    via: 'session',
    memberships: new Map(),
  });
  for (const p of demoProblems) {
    const problem = await createProblem(ctx, actor(p.author), {
      title: p.title,
      description: p.description,
      categoryId: idOf(ids.categories, p.category, 'category'),
      territoryId: idOf(ids.territories, p.territory, 'territory'),
      address: p.address ?? '',
      latitude: p.point?.[0] ?? null,
      longitude: p.point?.[1] ?? null,
    });
    let parentId: number | null = null;
    for (const comment of p.comments ?? []) {
      parentId = (await addComment(ctx, actor(comment.author), problem.id, { body: comment.body, parentId })).id;
    }
    if (p.solved) await markSolved(ctx, actor(p.author), problem.id);
    if (p.appeal) await seedDemoAppeal(ctx, ids, actor, problem.id, p.author, p.appeal);
  }
}

/** An appeal through the services a citizen's forms use: drafted, opened, signed, and if so sent on paper and answered. */
async function seedDemoAppeal(ctx: AppContext, ids: DemoIds, actor: (email: string) => Actor, problemId: number, author: string, a: DemoAppeal): Promise<void> {
  const appeal = await createAppeal(ctx, actor(author), problemId, {
    organizationId: idOf(ids.organizations, a.organization, 'organization'),
    title: a.title,
    text: a.text,
  });
  if (a.draft) {
    await setDraftShared(ctx, actor(author), appeal.id, true);
    for (const email of a.draft.coauthors) await joinDraft(ctx, actor(email), appeal.id);
    return;
  }
  await openForSignatures(ctx, actor(author), appeal.id, { acknowledgeWarnings: true });
  for (const email of a.signers) {
    const user = demoUsers.find((u) => u.email === email);
    if (!user) throw new Error(`demo data names unknown signer ${email}`);
    const index = demoUsers.indexOf(user);
    await sign(ctx, actor(email), appeal.id, {
      fullName: `${user.surname} ${user.first} ${user.patronymic}`,
      postalAddress: demoAddress(index),
      consentTransfer: true,
      consentPublicName: true,
      // The seed is the server itself, not a form: nothing to prove, nothing to flag.
      proofOfWork: 'off',
    });
  }
  if (a.amendment) await proposeAmendment(ctx, actor(a.amendment.by), appeal.id, { text: a.amendment.text, reason: a.amendment.reason });
  const paper = a.sentOnPaper;
  if (!paper) return;
  await recordSelfSent(ctx, actor(author), appeal.id, { sentOn: ctx.now(), registrationNumber: paper.registrationNumber });
  await uploadAnswer(ctx, actor(author), appeal.id, 'author', { text: paper.answer, outgoingNumber: paper.outgoingNumber, outgoingDate: null, files: [] });
  for (const rating of paper.ratings)
    await rateAnswer(ctx, actor(rating.by), appeal.id, { score: rating.score, solved: rating.solved, comment: rating.comment });
}

/** The postal address of the demo user at this place in demoUsers (even ones live in Tver, odd ones in Olenino). */
function demoAddress(index: number): string {
  return index % 2 === 0 ? `170100, г. Тверь, ул. Советская, д. ${10 + index}, кв. ${index + 1}` : `172400, пгт Оленино, ул. Мира, д. ${index + 2}`;
}

export async function isDatabaseEmpty(ctx: AppContext): Promise<boolean> {
  return (await countUsers(ctx)) === 0 && (await countOrganizations(ctx)) === 0;
}

export async function seedDemo(ctx: AppContext): Promise<void> {
  for (const file of ['municipalities-tver.csv', 'municipalities-yaroslavl.csv']) {
    const result = await importMunicipalities(ctx, readFileSync(path.join(dataDir, file), 'utf8'), {
      actorId: null,
      renamed: ctx.ports.territories.placesRenamed,
    });
    if (result.problems.length > 0) throw new Error(`demo data ${file} is invalid: ${JSON.stringify(result.problems.slice(0, 5))}`);
  }
  const passwordHash = await hashPassword(demoPassword);
  // Read before the transaction: on the embedded database a read outside it would wait for it to end.
  const codes = [
    ...organizations.flatMap((o) => [o.territory, ...o.jurisdictions.map((j) => j.oktmo)]),
    ...demoProblems.map((p) => p.territory),
    '28701000',
    '28544000',
  ];
  const territories = await territoryIdsByOktmo(ctx, codes);
  const categories = new Map((await listCategories(ctx)).map((c) => [c.slug, c.id]));
  const territoryId = (oktmo: string) => idOf(territories, oktmo, 'territory');
  const { users, organizations: organizationIds } = await ctx.db.transaction().execute(async (trx) => {
    const ids = new Map<string, number>();
    for (const o of organizations) {
      const created = await createOrganization(
        ctx,
        null,
        {
          name: o.name,
          slug: '',
          kind: o.kind,
          territoryId: territoryId(o.territory),
          parentId: o.parent ? (ids.get(o.parent) ?? null) : null,
          appealEmail: o.email ?? '',
          postalAddress: o.address ?? '',
          website: o.website ?? '',
          appealThreshold: o.threshold ?? null,
          description: '',
          jurisdictions: o.jurisdictions.map((j) => ({
            territoryId: territoryId(j.oktmo),
            categoryIds: (j.categories ?? []).map((slug) => idOf(categories, slug, 'category')),
          })),
        },
        trx,
      );
      ids.set(o.key, created.id);
    }
    const tverCity = territoryId('28701000');
    const olenino = territoryId('28544000');
    const userIds = new Map<string, number>();
    for (const [i, u] of demoUsers.entries()) {
      const account = await createOperatorAccount(
        trx,
        {
          email: u.email,
          passwordHash,
          surname: u.surname,
          firstName: u.first,
          patronymic: u.patronymic,
          role: u.role,
          municipalityId: i % 2 === 0 ? tverCity : olenino,
          postalAddress: demoAddress(i),
        },
        ctx.now(),
      );
      userIds.set(u.email, account.id);
    }
    return { users: userIds, organizations: ids };
  });
  await seedDemoProblems(ctx, { territories, categories, users, organizations: organizationIds });
}
