import { usePage } from '../views/page-context.ts';

export function ErrorPage({ status, message, fields }: { status: number; message: string; fields: string[] }) {
  return <ErrorBody status={status} message={message} fields={fields} />;
}

function ErrorBody({ status, message, fields }: { status: number; message: string; fields: string[] }) {
  const { t } = usePage();
  return (
    <section class="error-page" aria-labelledby="error-title">
      <p class="error-status">{status}</p>
      <h1 id="error-title">{message}</h1>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => (
            <li key={field}>{field}</li>
          ))}
        </ul>
      )}
      <p>
        <a href="/">{t('errors.home')}</a>
      </p>
    </section>
  );
}
