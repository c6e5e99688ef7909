/**
 * The upload form of a paper answer: `/appeals/:id/answer/upload` for the appeal's author and
 * `/admin/appeals/:id/answer` for an administrator publishing on the body's behalf. Plain multipart forms that
 * work without JavaScript (POST → 303 → GET); a refusal shows the form again with its messages (422).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Appeal } from '../../core/db/schema.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize } from '../../core/policy.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { type AnswerSource, answerUploadLimits, answerUploadOptions, assertAwaitsAnswer, uploadAnswer, uploadedFiles } from './answers.upload.ts';

interface UploadValues {
  text: string;
  outgoingNumber: string;
  outgoingDate: string;
}

const megabytes = Math.round(answerUploadLimits.maxBytes / (1024 * 1024));

function UploadAnswerForm({ appeal, source, values, errors }: { appeal: Appeal; source: AnswerSource; values: UploadValues; errors: FieldProblem[] }) {
  const { t } = usePage();
  const action = source === 'author' ? `/appeals/${appeal.id}/answer/upload` : `/admin/appeals/${appeal.id}/answer`;
  const fileProblems = errors.filter((problem) => problem.field === 'files');
  const describedBy = ['field-files-hint', fileProblems.length ? 'field-files-error' : null].filter(Boolean).join(' ');
  return (
    <section>
      <Breadcrumbs items={[{ href: `/appeals/${appeal.id}`, label: appeal.title }, { label: t('answerUpload.breadcrumb') }]} />
      <h1>{t(source === 'author' ? 'answerUpload.title' : 'answerUpload.adminTitle')}</h1>
      <p>{t(source === 'author' ? 'answerUpload.lead' : 'answerUpload.adminLead')}</p>
      <form method="post" action={action} enctype="multipart/form-data" novalidate>
        <CsrfField />
        <ErrorSummary errors={errors} />
        <Field
          name="text"
          label={t('answerUpload.text')}
          hint={t('answerUpload.textHint')}
          value={values.text}
          errors={errors}
          multiline
          required
          maxLength={answerUploadLimits.maxTextLength}
        />
        <Field name="outgoingNumber" label={t('answerUpload.outgoingNumber')} value={values.outgoingNumber} errors={errors} autocomplete="off" />
        <Field
          name="outgoingDate"
          label={t('answerUpload.outgoingDate')}
          hint={t('answerUpload.outgoingDateHint')}
          value={values.outgoingDate}
          errors={errors}
          autocomplete="off"
        />
        <div class={`field${fileProblems.length ? ' field-error' : ''}`}>
          <label for="field-files">
            {t('answerUpload.files')}
            <span class="optional"> {t('form.optional')}</span>
          </label>
          <p class="hint" id="field-files-hint">
            {t('answerUpload.filesHint', { count: answerUploadLimits.maxFiles, megabytes })}
          </p>
          {fileProblems.length > 0 && (
            <ul class="error-message error-list" id="field-files-error">
              {fileProblems.map((problem) => (
                <li key={`${problem.rule}-${problem.params?.number ?? ''}`}>{fieldMessage(t, problem)}</li>
              ))}
            </ul>
          )}
          <input
            type="file"
            id="field-files"
            name="files"
            multiple
            accept="application/pdf,image/jpeg,image/png"
            aria-describedby={describedBy}
            aria-invalid={fileProblems.length ? 'true' : undefined}
          />
        </div>
        <Button>{t(source === 'author' ? 'answerUpload.submit' : 'answerUpload.adminSubmit')}</Button>
      </form>
      <p>
        <a href={`/appeals/${appeal.id}`}>{t('answerUpload.back')}</a>
      </p>
    </section>
  );
}

export function answerUploadPages(ctx: AppContext): AppModule {
  const policyOf = { author: 'appeal-answer.upload', admin: 'appeal-answer.publishOnBehalf' } as const;

  function renderForm(request: FastifyRequest, reply: FastifyReply, appeal: Appeal, source: AnswerSource, values: UploadValues, errors: FieldProblem[]) {
    return reply.page(
      request.t(source === 'author' ? 'answerUpload.title' : 'answerUpload.adminTitle'),
      <UploadAnswerForm {...{ appeal, source, values, errors }} />,
      {
        status: errors.length ? 422 : 200,
      },
    );
  }

  function routesFor(app: App, source: AnswerSource, path: string) {
    const policy = policyOf[source];
    app.get(path, { config: { policy } }, async (request, reply) => {
      const appeal = await getAppealRow(ctx, idParam(request));
      if (source === 'author') authorize(request.actor, 'appeal-answer.upload', appeal);
      else authorize(request.actor, 'appeal-answer.publishOnBehalf');
      assertAwaitsAnswer(appeal);
      return renderForm(request, reply, appeal, source, { text: '', outgoingNumber: '', outgoingDate: '' }, []);
    });
    app.post(path, { config: { policy, multipartOptions: answerUploadOptions, rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
      const appealId = idParam(request);
      const body = form(request);
      const values: UploadValues = {
        text: text(body, 'text', answerUploadLimits.maxTextLength + 1),
        outgoingNumber: text(body, 'outgoingNumber', answerUploadLimits.maxOutgoingNumberLength + 1),
        outgoingDate: text(body, 'outgoingDate', 20),
      };
      try {
        await uploadAnswer(ctx, request.actor, appealId, source, { ...values, files: uploadedFiles(body, 'files') });
      } catch (error) {
        const fields = problemsOf(error);
        if (fields) return renderForm(request, reply, await getAppealRow(ctx, appealId), source, values, fields);
        throw error;
      }
      return reply.flash('flash.answerPublished').redirectAfterPost(`/appeals/${appealId}#letters`);
    });
  }

  return {
    name: 'answers.upload.pages',
    routes(app: App) {
      routesFor(app, 'author', '/appeals/:id/answer/upload');
      routesFor(app, 'admin', '/admin/appeals/:id/answer');
    },
  };
}
