/**
 * The pages of the cabinet's messages to citizens: on the cabinet's side the organization's conversations (unread
 * first), one conversation with its answer form, and an appeal's (or a problem's) page of conversations with the forms
 * that write to its author and to all its signers; on the citizen's side their conversations, one with its answer
 * form, and the organization's message to all signers with the form that answers it privately. Plain POST forms.
 */
import type { MemberRole, MessageBroadcast, Organization } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { Button, CsrfField, ErrorSummary, Field, Pagination } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { messageMaxLength } from './cabinet.threads.rules.ts';
import type { BroadcastView, ThreadMessageView, ThreadSummary, ThreadView } from './cabinet.threads.ts';
import { CabinetHeader } from './cabinet.views.tsx';

export const threadsPageSize = 25;

function MessageItems({ items, organizationName, side }: { items: ThreadMessageView[]; organizationName: string; side: 'organization' | 'citizen' }) {
  const { t, locale } = usePage();
  return (
    <ol class="plain-list message-list">
      {items.map((item) => {
        const ours = item.side === side;
        const who =
          item.side === 'organization'
            ? [organizationName, item.official].filter(Boolean).join(' · ')
            : side === 'citizen'
              ? t('messages.you')
              : t('messages.citizen');
        return (
          <li key={item.id} id={`message-${item.id}`} class={`message message-${item.side}${ours ? ' message-ours' : ''}`}>
            <p class="muted message-meta">
              <strong>{who}</strong> · <time dateTime={item.createdAt.toISOString()}>{formatDate(locale, item.createdAt, true)}</time>
              {item.channel === 'email' && <> · {t('messages.viaEmail')}</>}
              {item.channel === 'broadcast' && <> · {t('messages.toAllSigners')}</>}
            </p>
            {/* Rendered from the comment Markdown subset through renderMarkdown (escaped, allow-listed). */}
            <div class="comment-text" dangerouslySetInnerHTML={{ __html: item.html }} />
          </li>
        );
      })}
    </ol>
  );
}

function MessageForm(props: { action: string; label: string; hint?: string; value: string; errors: FieldProblem[]; button: string }) {
  const { t } = usePage();
  return (
    <form method="post" action={props.action} class="message-form" noValidate>
      <CsrfField />
      <Field
        name="body"
        label={props.label}
        multiline
        required
        maxLength={messageMaxLength}
        value={props.value}
        errors={props.errors}
        hint={props.hint ?? t('messages.bodyHint', { limit: messageMaxLength })}
      />
      <Button>{props.button}</Button>
    </form>
  );
}

function ThreadRows({ items, href, side }: { items: ThreadSummary[]; href: (thread: ThreadSummary) => string; side: 'organization' | 'citizen' }) {
  const { t, locale } = usePage();
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">{t('messages.subject')}</th>
          <th scope="col">{side === 'organization' ? t('messages.citizen') : t('messages.organization')}</th>
          <th scope="col">{t('messages.lastMessage')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((thread) => (
          <tr key={thread.id} class={thread.unread ? 'unread' : undefined}>
            <td>
              <a href={href(thread)}>{thread.subject}</a>
              {thread.unread && <strong class="tag tag-blue"> {t('messages.unread')}</strong>}
              <p class="muted">{t('messages.count', { count: thread.messages })}</p>
            </td>
            <td>{side === 'organization' ? thread.citizenName : thread.organizationName}</td>
            <td>{formatDate(locale, thread.lastMessageAt, true)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CabinetThreadsPage(props: {
  organization: Organization;
  role: MemberRole;
  items: ThreadSummary[];
  total: number;
  unread: number;
  page: number;
}) {
  const { t } = usePage();
  const base = `/cabinet/${props.organization.slug}/messages`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="messages" role={props.role} />
      <h2>{t('messages.cabinetTitle')}</h2>
      <p class="hint">{t('messages.cabinetLead')}</p>
      <p>{t('messages.unreadCount', { count: props.unread })}</p>
      {props.items.length === 0 ? (
        <p class="muted">{t('messages.none')}</p>
      ) : (
        <ThreadRows items={props.items} side="organization" href={(thread) => `${base}/${thread.id}`} />
      )}
      <Pagination page={props.page} pageSize={threadsPageSize} total={props.total} href={(page) => `${base}?page=${page}`} />
    </section>
  );
}

function TopicLink({ thread, slug }: { thread: ThreadSummary; slug: string | null }) {
  const { t } = usePage();
  if (thread.appealId !== null)
    return (
      <a href={slug ? `/cabinet/${slug}/appeals/${thread.appealId}` : `/appeals/${thread.appealId}`}>{t('messages.aboutAppeal', { id: thread.appealId })}</a>
    );
  return <a href={`/problems/${thread.problemId}`}>{t('messages.aboutProblem', { id: thread.problemId })}</a>;
}

export function CabinetThreadPage(props: { organization: Organization; role: MemberRole; thread: ThreadView; value: string; errors: FieldProblem[] }) {
  const { t } = usePage();
  const { thread } = props;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="messages" role={props.role} />
      <p>
        <a href={`/cabinet/${props.organization.slug}/messages`}>{t('messages.back')}</a>
      </p>
      <h2>{thread.subject}</h2>
      <p class="muted">
        {t('messages.withCitizen', { name: thread.citizenName })} · <TopicLink thread={thread} slug={props.organization.slug} />
      </p>
      <p class="hint">{t('messages.privacyOfficial')}</p>
      <MessageItems items={thread.items} organizationName={props.organization.name} side="organization" />
      <ErrorSummary errors={props.errors} />
      <MessageForm
        action={`/cabinet/${props.organization.slug}/messages/${thread.id}`}
        label={t('messages.replyLabel')}
        value={props.value}
        errors={props.errors}
        button={t('messages.send')}
      />
    </section>
  );
}

/** The conversations about one appeal (or problem) and the forms that write to its author and, for an appeal, to all its signers. */
export function CabinetTopicMessagesPage(props: {
  organization: Organization;
  role: MemberRole;
  topic: { kind: 'appeal' | 'problem'; id: number; title: string };
  threads: ThreadSummary[];
  broadcasts: MessageBroadcast[];
  form: 'author' | 'signers' | null;
  value: string;
  errors: FieldProblem[];
}) {
  const { t, locale } = usePage();
  const { organization, topic } = props;
  const base = `/cabinet/${organization.slug}/${topic.kind === 'appeal' ? 'appeals' : 'problems'}/${topic.id}/messages`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="messages" role={props.role} />
      <p>
        <a href={topic.kind === 'appeal' ? `/cabinet/${organization.slug}/appeals/${topic.id}` : `/cabinet/${organization.slug}/problems`}>
          {topic.kind === 'appeal' ? t('messages.backToAppeal', { id: topic.id }) : t('messages.backToProblems')}
        </a>
      </p>
      <h2>{t(topic.kind === 'appeal' ? 'messages.topicAppealTitle' : 'messages.topicProblemTitle', { title: topic.title })}</h2>
      <p class="hint">{t('messages.privacyOfficial')}</p>
      <h3>{t('messages.threadsOfTopic')}</h3>
      {props.threads.length === 0 ? (
        <p class="muted">{t('messages.noneAboutTopic')}</p>
      ) : (
        <ThreadRows items={props.threads} side="organization" href={(thread) => `/cabinet/${organization.slug}/messages/${thread.id}`} />
      )}
      <ErrorSummary errors={props.errors} />
      <h3 id="write-author">{t('messages.writeAuthor')}</h3>
      <MessageForm
        action={base}
        label={t('messages.toAuthorLabel')}
        value={props.form === 'author' ? props.value : ''}
        errors={props.form === 'author' ? props.errors : []}
        button={t('messages.send')}
      />
      {topic.kind === 'appeal' && (
        <>
          <h3 id="write-signers">{t('messages.writeSigners')}</h3>
          <p class="hint">{t('messages.writeSignersLead')}</p>
          {props.broadcasts.length > 0 && (
            <ul class="plain-list">
              {props.broadcasts.map((broadcast) => (
                <li key={broadcast.id}>
                  <p class="muted">
                    {formatDate(locale, broadcast.created_at, true)} · {t('messages.recipients', { count: broadcast.recipients })}
                  </p>
                  <p>{broadcast.body}</p>
                </li>
              ))}
            </ul>
          )}
          <MessageForm
            action={`${base}/signers`}
            label={t('messages.toSignersLabel')}
            value={props.form === 'signers' ? props.value : ''}
            errors={props.form === 'signers' ? props.errors : []}
            button={t('messages.sendToSigners')}
          />
        </>
      )}
    </section>
  );
}

export function CitizenThreadsPage(props: { items: ThreadSummary[]; total: number; page: number }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('messages.citizenTitle')}</h1>
      <p class="lead">{t('messages.citizenLead')}</p>
      {props.items.length === 0 ? (
        <p class="muted">{t('messages.citizenNone')}</p>
      ) : (
        <ThreadRows items={props.items} side="citizen" href={(thread) => `/messages/${thread.id}`} />
      )}
      <Pagination page={props.page} pageSize={threadsPageSize} total={props.total} href={(page) => `/messages?page=${page}`} />
    </section>
  );
}

export function CitizenThreadPage(props: { thread: ThreadView; canReply: boolean; value: string; errors: FieldProblem[] }) {
  const { t } = usePage();
  const { thread } = props;
  return (
    <section class="narrow">
      <p>
        <a href="/messages">{t('messages.backToMine')}</a>
      </p>
      <h1>{thread.subject}</h1>
      <p class="muted">
        {t('messages.withOrganization', { organization: thread.organizationName })} · <TopicLink thread={thread} slug={null} />
      </p>
      <p class="hint">{t('messages.privacyCitizen')}</p>
      <MessageItems items={thread.items} organizationName={thread.organizationName} side="citizen" />
      <ErrorSummary errors={props.errors} />
      {props.canReply ? (
        <MessageForm action={`/messages/${thread.id}`} label={t('messages.replyLabel')} value={props.value} errors={props.errors} button={t('messages.send')} />
      ) : (
        <p class="notice">{t('messages.verifyToReply')}</p>
      )}
    </section>
  );
}

export function CitizenBroadcastPage(props: { broadcast: BroadcastView; canReply: boolean; value: string; errors: FieldProblem[] }) {
  const { t, locale } = usePage();
  const { broadcast } = props;
  return (
    <section class="narrow">
      <p>
        <a href="/messages">{t('messages.backToMine')}</a>
      </p>
      <h1>{broadcast.subject}</h1>
      <p class="muted">
        {t('messages.broadcastFrom', { organization: broadcast.organizationName })} ·{' '}
        <a href={`/appeals/${broadcast.appealId}`}>{t('messages.aboutAppeal', { id: broadcast.appealId })}</a>
      </p>
      <div class="message message-organization">
        <p class="muted message-meta">
          <strong>{[broadcast.organizationName, broadcast.official].filter(Boolean).join(' · ')}</strong> ·{' '}
          <time dateTime={broadcast.createdAt.toISOString()}>{formatDate(locale, broadcast.createdAt, true)}</time>
        </p>
        <div class="comment-text" dangerouslySetInnerHTML={{ __html: broadcast.html }} />
      </div>
      <p class="hint">{t('messages.broadcastPrivacy')}</p>
      {broadcast.threadId !== null && (
        <p>
          <a href={`/messages/${broadcast.threadId}`}>{t('messages.yourThread')}</a>
        </p>
      )}
      <ErrorSummary errors={props.errors} />
      {props.canReply ? (
        <MessageForm
          action={`/messages/broadcasts/${broadcast.id}`}
          label={t('messages.replyLabel')}
          value={props.value}
          errors={props.errors}
          button={t('messages.send')}
        />
      ) : (
        <p class="notice">{t('messages.verifyToReply')}</p>
      )}
    </section>
  );
}
