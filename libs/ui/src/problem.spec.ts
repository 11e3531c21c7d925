import { problemFieldErrors, problemMessage } from './problem';

describe('problemFieldErrors', () => {
  it('maps API field paths to form paths and keeps unknown fields', () => {
    const r = problemFieldErrors({ errors: [
      { field: 'listeners[0].ports', message: 'bad range' },
      { field: 'address', message: 'not global unicast' },
      { field: 'address', message: 'twice' },
      { field: 'gue_port', message: 'out of range' },
    ] }, ['listeners', 'address']);
    expect(r.fields).toEqual({ 'listeners.0.ports': 'bad range', address: 'not global unicast; twice' });
    expect(r.rest).toEqual(['gue_port: out of range']);
  });
  it('takes every field when the form does not say which it has', () => {
    expect(problemFieldErrors({ errors: [{ field: 'name', message: 'x' }] }).fields).toEqual({ name: 'x' });
    expect(problemFieldErrors(undefined)).toEqual({ fields: {}, rest: [] });
  });
  it('says title and detail', () => {
    expect(problemMessage({ title: 'Conflict', detail: 'email taken' })).toBe('Conflict: email taken');
    expect(problemMessage(undefined, 'x')).toBe('x');
  });
});
