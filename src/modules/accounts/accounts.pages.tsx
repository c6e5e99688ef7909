/** HTML routes of accounts. Every form posts, then redirects (POST → redirect → GET). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, ValidationError } from '../../core/errors.ts';
import { form, idParam, optionalId, query, requireActor, safeReturnPath, text } from '../../core/http/forms.ts';
import { rateLimitFor, withoutProofLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { isLocale, type Locale } from '../../core/i18n/i18n.ts';
import { checkProofOfWork, maxPayloadLength } from '../../core/security/altcha.ts';
import { captchaKeys, newTextQuestion, verifyTextAnswer } from '../../core/security/captcha.ts';
import { municipalityGroups } from '../territories/territories.service.ts';
import './accounts.policy.ts';
import { sessionLifetimeMs } from './accounts.rules.ts';
import * as accounts from './accounts.service.ts';
import {
  ChangeEmailView,
  ChangePasswordView,
  ConfirmTokenView,
  DeleteAccountView,
  ForgotPasswordView,
  LoginView,
  MessageView,
  ProfileView,
  RegisterView,
  ResetPasswordView,
  TokensView,
  type Values,
} from './accounts.views.tsx';

export const sessionCookie = 'dm_session';
/** Set by every registration, new address or known: where the mail went, and the proof that signs this browser in at verification. */
const registeringCookie = 'dm_registering';
const registeringLifetimeSeconds = 48 * 3600;

/** Every value of a form field that may repeat (checkboxes of one name). */
function texts(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string').slice(0, 10);
}

function problemsOf(error: unknown): FieldProblem[] | null {
  return error instanceof ValidationError ? error.fields : null;
}

export function accountPages(ctx: AppContext): AppModule {
  const keys = captchaKeys(ctx.config.secret);
  const authRateLimit = { max: ctx.config.authRateLimit, timeWindow: '1 minute' };

  function setSession(reply: FastifyReply, token: string) {
    reply.setCookie(sessionCookie, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.secureCookies,
      path: '/',
      maxAge: sessionLifetimeMs / 1000,
    });
  }

  function registering(request: FastifyRequest): { email: string; proof: string } | null {
    const raw = request.cookies[registeringCookie];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    try {
      const parsed = JSON.parse(unsigned.value) as { email?: unknown; proof?: unknown };
      return typeof parsed.email === 'string' && typeof parsed.proof === 'string' ? { email: parsed.email, proof: parsed.proof } : null;
    } catch {
      return null;
    }
  }

  async function renderRegister(request: FastifyRequest, reply: FastifyReply, values: Values, errors: FieldProblem[], message?: string) {
    const groups = await municipalityGroups(ctx);
    return reply.page(
      request.t('register.title'),
      <RegisterView values={values} errors={errors} groups={groups} question={newTextQuestion(keys, request.locale)} {...(message ? { message } : {})} />,
      { status: errors.length || message ? 422 : 200, scripts: ['captcha.js'] },
    );
  }

  async function renderProfile(request: FastifyRequest, reply: FastifyReply, values: Values | null, errors: FieldProblem[]) {
    const actor = requireActor(request);
    const [user, groups] = await Promise.all([accounts.getUser(ctx, actor.id), municipalityGroups(ctx)]);
    const current: Values = values ?? {
      surname: user.surname,
      firstName: user.first_name,
      patronymic: user.patronymic ?? '',
      municipalityId: user.municipality_id ? String(user.municipality_id) : '',
      postalAddress: user.postal_address ?? '',
      locale: user.locale,
    };
    return reply.page(
      request.t('account.title'),
      <ProfileView
        values={current}
        errors={errors}
        groups={groups}
        profile={{ email: user.email, emailVerified: user.email_verified_at !== null, createdAt: user.created_at }}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderTokens(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { created?: string; errors?: FieldProblem[]; values?: Values; scopes?: readonly string[] } = {},
  ) {
    const actor = requireActor(request);
    const tokens = await accounts.listApiTokens(ctx, actor.id);
    return reply.page(
      request.t('account.tokens'),
      <TokensView
        tokens={tokens}
        created={options.created}
        errors={options.errors ?? []}
        values={options.values ?? {}}
        scopes={options.scopes ?? accounts.defaultTokenScopes}
      />,
      { status: options.errors?.length ? 422 : 200 },
    );
  }

  return {
    name: 'accounts.pages',
    routes(app: App) {
      const withoutProof = withoutProofLimitFor(app, ctx, 'register');
      app.get('/locale/:locale', { config: { policy: 'public.view' } }, async (request, reply) => {
        const { locale } = request.params as { locale: string };
        if (!isLocale(locale)) throw new DomainError('not_found');
        reply.setCookie('locale', locale, { path: '/', sameSite: 'lax', maxAge: 365 * 24 * 3600, httpOnly: true, secure: ctx.config.secureCookies });
        return reply.redirect(safeReturnPath(query(request, 'return')), 303);
      });

      app.get('/register', { config: { policy: 'account.register' } }, (request, reply) => renderRegister(request, reply, {}, []));

      app.post('/register', { config: { policy: 'account.register' }, onRequest: rateLimitFor(app, ctx, 'register') }, async (request, reply) => {
        const body = form(request);
        const values: Values = {
          surname: text(body, 'surname', 200),
          firstName: text(body, 'firstName', 200),
          patronymic: text(body, 'patronymic', 200),
          email: text(body, 'email', 300),
          municipalityId: text(body, 'municipalityId', 20),
        };
        const password = text(body, 'password', 1000);
        const input: accounts.RegisterInput = {
          email: values.email ?? '',
          password,
          surname: values.surname ?? '',
          firstName: values.firstName ?? '',
          patronymic: values.patronymic ?? '',
          municipalityId: optionalId(body, 'municipalityId'),
          locale: request.locale,
        };
        // The password is never written back into the page: a form shown again says so, beside the field.
        const withPasswordNote = (problems: FieldProblem[]): FieldProblem[] =>
          password && !problems.some((p) => p.field === 'password') ? [...problems, { field: 'password', rule: 'passwordNotKept' }] : problems;
        // With JavaScript the ALTCHA proof of work; without it (or with ALTCHA off) the arithmetic question, and a
        // registration without a proof goes through the tighter per-address limit.
        const altcha = text(body, 'altcha', maxPayloadLength + 1);
        let captchaProblem: FieldProblem | null = null;
        try {
          const proof = await checkProofOfWork(ctx, altcha);
          if (proof !== 'solved') {
            if (proof === 'missing') await withoutProof(request);
            const answered = await verifyTextAnswer(ctx, keys, text(body, 'captchaToken', 500), text(body, 'captchaAnswer', 20));
            // The message names what the person sees: the question without JavaScript (its token came with the form)
            // or with ALTCHA off, the automatic check with it (the question's fields are disabled then, so absent).
            if (!answered)
              captchaProblem =
                typeof body.captchaToken === 'string' || proof === 'off'
                  ? { field: 'captchaAnswer', rule: 'captcha' }
                  : { field: 'altcha', rule: 'captchaPending' };
          }
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'altcha_failed')) throw error;
          captchaProblem = { field: 'altcha', rule: 'altchaFailed' };
        }
        if (captchaProblem) {
          // Every other mistake of the form at once, so fixing the CAPTCHA is not followed by another refusal.
          const others = (await accounts.registrationProblems(ctx, input)).problems;
          return renderRegister(request, reply, values, withPasswordNote([...others, captchaProblem]));
        }
        try {
          const registration = await accounts.register(ctx, input, request.ip);
          // A new address and a known one get the same answer: this cookie, and the same «check your mail» page.
          reply.setCookie(registeringCookie, JSON.stringify({ email: registration.email, proof: registration.signInProof }), {
            signed: true,
            httpOnly: true,
            sameSite: 'lax',
            secure: ctx.config.secureCookies,
            path: '/',
            maxAge: registeringLifetimeSeconds,
          });
          return reply.redirectAfterPost('/registered');
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderRegister(request, reply, values, withPasswordNote(problems));
          throw error;
        }
      });

      app.get('/registered', { config: { policy: 'account.verify' } }, async (request, reply) => {
        const pending = registering(request);
        return reply.page(
          request.t('registered.title'),
          <MessageView
            title={request.t('registered.title')}
            text={pending ? request.t('registered.text', { email: pending.email }) : request.t('registered.textNoEmail')}
            link={{ href: '/login', label: request.t('registered.login') }}
          />,
        );
      });

      app.get('/login', { config: { policy: 'account.login' } }, (request, reply) =>
        reply.page(request.t('login.title'), <LoginView values={{}} returnTo={safeReturnPath(query(request, 'return'), '/account')} />),
      );

      app.post('/login', { config: { policy: 'account.login', rateLimit: authRateLimit } }, async (request, reply) => {
        const body = form(request);
        const email = text(body, 'email', 300);
        try {
          const user = await accounts.checkCredentials(ctx, email, text(body, 'password', 1000));
          // A fresh session on every login, so a planted cookie never becomes a signed-in one.
          if (request.sessionId) await accounts.endSession(ctx, request.sessionId);
          setSession(reply, await accounts.createSession(ctx, user.id, request.headers['user-agent'] ?? null));
          return reply.redirectAfterPost(safeReturnPath(text(body, 'return', 500), '/account'));
        } catch (error) {
          if (error instanceof DomainError && (error.code === 'invalid_credentials' || error.code === 'account_blocked')) {
            return reply.page(
              request.t('login.title'),
              <LoginView
                values={{ email }}
                message={request.t(`errors.${error.code}`, error.params)}
                returnTo={safeReturnPath(text(body, 'return', 500), '/account')}
              />,
              {
                status: error.status,
              },
            );
          }
          throw error;
        }
      });

      app.post('/logout', { config: { policy: 'account.logout' } }, async (request, reply) => {
        if (request.sessionId) await accounts.endSession(ctx, request.sessionId);
        reply.clearCookie(sessionCookie, { path: '/' });
        return reply.flash('flash.loggedOut').redirectAfterPost('/');
      });

      app.get('/verify-email', { config: { policy: 'account.verify' } }, async (request, reply) => {
        const token = query(request, 'token');
        await accounts.peekEmailToken(ctx, token, 'verify_email');
        return reply.page(
          request.t('verify.title'),
          <ConfirmTokenView
            title={request.t('verify.title')}
            text={request.t('verify.text')}
            action="/verify-email"
            token={token}
            button={request.t('verify.submit')}
          />,
        );
      });

      app.post('/verify-email', { config: { policy: 'account.verify', rateLimit: authRateLimit } }, async (request, reply) => {
        const token = text(form(request), 'token', 200);
        const user = await accounts.verifyEmail(ctx, token);
        // The browser that registered is signed in by its link; another browser (a link forwarded, or an
        // address someone else registered) logs in with the password.
        const pending = registering(request);
        if (!request.actor && pending && accounts.isRegisteringBrowser(ctx, token, pending.proof)) {
          setSession(reply, await accounts.createSession(ctx, user.id, request.headers['user-agent'] ?? null));
          reply.clearCookie(registeringCookie, { path: '/' });
          return reply.flash('flash.emailVerified').redirectAfterPost('/account');
        }
        return reply.flash('flash.emailVerified').redirectAfterPost(request.actor ? '/account' : '/login');
      });

      app.post(
        '/account/resend-verification',
        { config: { policy: 'account.manage', rateLimit: { max: 3, timeWindow: '10 minutes' } } },
        async (request, reply) => {
          await accounts.resendVerification(ctx, requireActor(request).id);
          return reply.flash('flash.verificationSent').redirectAfterPost('/account');
        },
      );

      app.get('/forgot-password', { config: { policy: 'account.recover' } }, (request, reply) =>
        reply.page(request.t('forgot.title'), <ForgotPasswordView values={{}} errors={[]} />),
      );

      app.post('/forgot-password', { config: { policy: 'account.recover', rateLimit: authRateLimit } }, async (request, reply) => {
        const email = text(form(request), 'email', 300);
        try {
          await accounts.requestPasswordReset(ctx, email);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return reply.page(request.t('forgot.title'), <ForgotPasswordView values={{ email }} errors={problems} />, { status: 422 });
          throw error;
        }
        return reply.redirectAfterPost('/forgot-password/sent');
      });

      app.get('/forgot-password/sent', { config: { policy: 'account.recover' } }, (request, reply) =>
        reply.page(request.t('forgot.title'), <MessageView title={request.t('forgot.sentTitle')} text={request.t('forgot.sent')} />),
      );

      app.get('/reset-password', { config: { policy: 'account.recover' } }, async (request, reply) => {
        const token = query(request, 'token');
        await accounts.peekEmailToken(ctx, token, 'reset_password');
        return reply.page(request.t('reset.title'), <ResetPasswordView token={token} errors={[]} />);
      });

      app.post('/reset-password', { config: { policy: 'account.recover', rateLimit: authRateLimit } }, async (request, reply) => {
        const body = form(request);
        const token = text(body, 'token', 200);
        try {
          await accounts.resetPassword(ctx, token, text(body, 'password', 1000));
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return reply.page(request.t('reset.title'), <ResetPasswordView token={token} errors={problems} />, { status: 422 });
          throw error;
        }
        reply.clearCookie(sessionCookie, { path: '/' });
        return reply.flash('flash.passwordReset').redirectAfterPost('/login');
      });

      app.get('/account', { config: { policy: 'account.manage' } }, (request, reply) => renderProfile(request, reply, null, []));

      app.post('/account', { config: { policy: 'account.manage' } }, async (request, reply) => {
        const actor = requireActor(request);
        const body = form(request);
        const values: Values = {
          surname: text(body, 'surname', 200),
          firstName: text(body, 'firstName', 200),
          patronymic: text(body, 'patronymic', 200),
          municipalityId: text(body, 'municipalityId', 20),
          postalAddress: text(body, 'postalAddress', 1000),
          locale: text(body, 'locale', 5),
        };
        const locale: Locale = isLocale(values.locale) ? values.locale : 'ru';
        try {
          await accounts.updateProfile(ctx, actor.id, {
            surname: values.surname ?? '',
            firstName: values.firstName ?? '',
            patronymic: values.patronymic ?? '',
            municipalityId: optionalId(body, 'municipalityId'),
            postalAddress: values.postalAddress ?? '',
            locale,
          });
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderProfile(request, reply, values, problems);
          throw error;
        }
        // The chosen language applies at once, overriding an earlier switch.
        reply.setCookie('locale', locale, { path: '/', sameSite: 'lax', maxAge: 365 * 24 * 3600, httpOnly: true, secure: ctx.config.secureCookies });
        return reply.flash('flash.profileSaved').redirectAfterPost('/account');
      });

      app.get('/account/email', { config: { policy: 'account.manage' } }, async (request, reply) => {
        const user = await accounts.getUser(ctx, requireActor(request).id);
        return reply.page(request.t('account.email'), <ChangeEmailView values={{}} errors={[]} current={user.email} />);
      });

      app.post('/account/email', { config: { policy: 'account.manage', rateLimit: authRateLimit } }, async (request, reply) => {
        const actor = requireActor(request);
        const body = form(request);
        const newEmail = text(body, 'newEmail', 300);
        try {
          await accounts.requestEmailChange(ctx, actor.id, newEmail, text(body, 'password', 1000));
        } catch (error) {
          const user = await accounts.getUser(ctx, actor.id);
          const problems = problemsOf(error);
          if (problems)
            return reply.page(request.t('account.email'), <ChangeEmailView values={{ newEmail }} errors={problems} current={user.email} />, { status: 422 });
          if (error instanceof DomainError && error.code === 'email_taken') {
            return reply.page(
              request.t('account.email'),
              <ChangeEmailView values={{ newEmail }} errors={[{ field: 'newEmail', rule: 'emailTaken' }]} current={user.email} />,
              { status: 422 },
            );
          }
          throw error;
        }
        return reply.flash('flash.emailChangeSent').redirectAfterPost('/account');
      });

      app.get('/confirm-email', { config: { policy: 'account.verify' } }, async (request, reply) => {
        const token = query(request, 'token');
        const row = await accounts.peekEmailToken(ctx, token, 'change_email');
        return reply.page(
          request.t('confirmEmail.title'),
          <ConfirmTokenView
            title={request.t('confirmEmail.title')}
            text={request.t('confirmEmail.text', { email: row.new_email ?? '' })}
            action="/confirm-email"
            token={token}
            button={request.t('confirmEmail.submit')}
          />,
        );
      });

      app.post('/confirm-email', { config: { policy: 'account.verify', rateLimit: authRateLimit } }, async (request, reply) => {
        await accounts.confirmEmailChange(ctx, text(form(request), 'token', 200));
        return reply.flash('flash.emailChanged').redirectAfterPost(request.actor ? '/account' : '/login');
      });

      app.get('/account/password', { config: { policy: 'account.manage' } }, (request, reply) =>
        reply.page(request.t('account.password'), <ChangePasswordView errors={[]} revokeTokens />),
      );

      app.post('/account/password', { config: { policy: 'account.manage', rateLimit: authRateLimit } }, async (request, reply) => {
        const body = form(request);
        // A checkbox ticked by default: left unticked, the form sends nothing for it.
        const revokeTokens = text(body, 'revokeTokens', 10) === 'yes';
        let revoked = 0;
        try {
          const result = await accounts.changePassword(ctx, requireActor(request).id, text(body, 'currentPassword', 1000), text(body, 'newPassword', 1000), {
            keepSessionId: request.sessionId,
            revokeTokens,
          });
          revoked = result.revokedTokens;
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return reply.page(request.t('account.password'), <ChangePasswordView errors={problems} revokeTokens={revokeTokens} />, { status: 422 });
          throw error;
        }
        return reply.flash(revoked > 0 ? 'flash.passwordChangedTokensRevoked' : 'flash.passwordChanged').redirectAfterPost('/account');
      });

      app.get('/account/tokens', { config: { policy: 'account.manage' } }, (request, reply) => renderTokens(request, reply));

      app.post('/account/tokens', { config: { policy: 'account.manage' } }, async (request, reply) => {
        const body = form(request);
        const name = text(body, 'name', 200);
        const scopes = texts(body, 'scopes');
        try {
          const created = await accounts.createApiToken(ctx, requireActor(request).id, name, scopes);
          // Shown once, on this response; never stored in clear, so no redirect can show it again.
          return renderTokens(request, reply, { created: created.token });
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderTokens(request, reply, { errors: problems, values: { name }, scopes });
          throw error;
        }
      });

      app.post('/account/tokens/:id/revoke', { config: { policy: 'account.manage' } }, async (request, reply) => {
        await accounts.revokeApiToken(ctx, requireActor(request).id, idParam(request));
        return reply.flash('flash.tokenRevoked').redirectAfterPost('/account/tokens');
      });

      app.get('/account/export.json', { config: { policy: 'account.manage' } }, async (request, reply) => {
        const data = await accounts.exportData(ctx, requireActor(request).id);
        return reply
          .header('content-disposition', 'attachment; filename="democrator-data.json"')
          .header('cache-control', 'no-store')
          .type('application/json; charset=utf-8')
          .send(JSON.stringify(data, null, 2));
      });

      app.get('/account/delete', { config: { policy: 'account.manage' } }, (request, reply) =>
        reply.page(request.t('account.delete'), <DeleteAccountView errors={[]} />),
      );

      app.post('/account/delete', { config: { policy: 'account.manage', rateLimit: authRateLimit } }, async (request, reply) => {
        const body = form(request);
        try {
          if (text(body, 'confirm', 10) !== 'yes') throw new ValidationError([{ field: 'confirm', rule: 'mustConfirm' }]);
          await accounts.deleteAccount(ctx, requireActor(request).id, text(body, 'password', 1000));
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return reply.page(request.t('account.delete'), <DeleteAccountView errors={problems} />, { status: 422 });
          throw error;
        }
        reply.clearCookie(sessionCookie, { path: '/' });
        return reply.flash('flash.accountDeleted').redirectAfterPost('/');
      });
    },
  };
}
