/**
 * The review's HTML routes: the rating form on a page of its own (where a refused rating is shown again with
 * its errors, 422) and its POST → redirect to the appeal. The appeal page carries the same form inline.
 */
import type { AppContext } from '../../core/context.ts';
import type { Appeal } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { DomainError, problemsOf } from '../../core/errors.ts';
import { form, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { rateAnswer, reviewOf } from './answers.review.ts';
import { RatingForm, type RatingFormValues } from './answers.review.views.tsx';

function RatingPage({ appeal, values, errors }: { appeal: Appeal; values: RatingFormValues; errors: FieldProblem[] }) {
  const { t } = usePage();
  return (
    <section>
      <p>
        <a href={`/appeals/${appeal.id}#review`}>{t('review.back')}</a>
      </p>
      <h1>{t('review.pageTitle', { id: appeal.id })}</h1>
      <p class="lead">{appeal.title}</p>
      <RatingForm appealId={appeal.id} values={values} errors={errors} />
    </section>
  );
}

export function reviewPages(ctx: AppContext): AppModule {
  return {
    name: 'answers.review.pages',
    routes(app: App) {
      app.get('/appeals/:id/rating', { config: { policy: 'answer.rate' } }, async (request, reply) => {
        const appeal = await getAppealRow(ctx, idParam(request));
        const review = await reviewOf(ctx, request.actor, appeal);
        // The refusal (not a signer, the window closed) is the policy's own, shown as its translated error page.
        if (review.refusal) throw new DomainError(review.refusal);
        const mine = review.mine;
        return reply.page(
          request.t('review.pageTitle', { id: appeal.id }),
          <RatingPage
            appeal={appeal}
            errors={[]}
            values={{ score: mine ? String(mine.score) : '', solved: mine?.solved ?? '', comment: mine?.comment ?? '' }}
          />,
        );
      });

      app.post('/appeals/:id/rating', { config: { policy: 'answer.rate' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const values = { score: text(body, 'score', 10), solved: text(body, 'solved', 20), comment: text(body, 'comment', 20_000) };
        try {
          await rateAnswer(ctx, request.actor, appealId, {
            score: /^\d$/.test(values.score.trim()) ? Number(values.score.trim()) : Number.NaN,
            solved: values.solved,
            comment: values.comment,
          });
          return reply.flash('flash.ratingSaved').redirectAfterPost(`/appeals/${appealId}#review`);
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          const appeal = await getAppealRow(ctx, appealId);
          return reply.page(request.t('review.pageTitle', { id: appealId }), <RatingPage appeal={appeal} values={values} errors={problems} />, { status: 422 });
        }
      });
    },
  };
}
