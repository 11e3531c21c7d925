import { portalConfig } from '../../../server/config';
import { proxyToApi } from '@anyfront/api-client/server';

// /v1/* is the API, proxied (libs/api-client/src/same-origin-proxy.ts): one origin for the browser.
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ path: string[] }> };
const handle = async (req: Request, ctx: Ctx): Promise<Response> => proxyToApi(req, (await ctx.params).path, portalConfig());

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, handle as HEAD, handle as OPTIONS };
