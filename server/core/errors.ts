/** An error with an HTTP status and a translation key shown to the user. */
export class HttpError extends Error {
  constructor(
    public statusCode: number,
    public messageKey: string,
    public params: Record<string, string | number> = {},
  ) {
    super(messageKey);
  }
}

export const notFound = (key = 'errors.notFound') => new HttpError(404, key);
export const forbidden = (key = 'errors.forbidden') => new HttpError(403, key);
export const badRequest = (key: string, params: Record<string, string | number> = {}) =>
  new HttpError(400, key, params);
export const conflict = (key: string, params: Record<string, string | number> = {}) => new HttpError(409, key, params);

/**
 * A form-level validation failure: the route re-renders the form with these
 * field errors (translation keys) and the values the user typed.
 */
export class FormError extends Error {
  constructor(public fieldErrors: Record<string, string>) {
    super('form error');
  }
}
