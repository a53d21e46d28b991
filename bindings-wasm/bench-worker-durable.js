// The Worker of bench-durable.js: GET /?object=NAME asks the TokenCacheObject
// named NAME for a token (a new name: a new object, which mints one).
import { TokenCacheObject, tokenFromDurableObject } from 'credmint';

export class Tokens extends TokenCacheObject {}

export default {
  async fetch(request, env) {
    const name = new URL(request.url).searchParams.get('object') ?? 'credmint';
    const token = await tokenFromDurableObject(env.TOKENS, { name });
    return new Response(String(token.token.length));
  },
};
