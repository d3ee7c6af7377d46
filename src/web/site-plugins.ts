import type { WebPlugin } from "./server.ts";

/**
 * Parts of the site besides the API, registered under the base path after it and open without a password (the
 * login form must load): the page (`src/web/ui`, static files served at `/`) adds its plugin here.
 */
export const sitePlugins: WebPlugin[] = [];
