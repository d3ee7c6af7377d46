import { pageRoutes } from "./page.ts";
import type { WebPlugin } from "./server.ts";

/**
 * Parts of the site besides the API, registered under the base path after it and open without a password (the
 * login form must load): the page (`src/web/ui`, built into dist/ui, served at `/` by page.ts).
 */
export const sitePlugins: WebPlugin[] = [(app) => pageRoutes(app)];
