import { Param, ParseUUIDPipe } from '@nestjs/common';
import { problems } from './problem';

/**
 * A resource id from the path. Anything that is not a UUID cannot name a resource, so it answers
 * 404 like an id of another organization would.
 */
export const IdParam = (name = 'id', what = 'resource') =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => problems.notFound(what) }));
