import { registerAuthRoutes } from "./auth.ts";
import type { WebContext } from "./context.ts";
import { registerCameraRoutes } from "./routes/cameras.ts";
import { registerCaptureRoutes } from "./routes/captures.ts";
import { registerPeopleRoutes } from "./routes/people.ts";
import { registerHealthRoute, registerSystemRoutes } from "./routes/system.ts";
import type { WebPlugin } from "./server.ts";

/**
 * The JSON API under `<base>/api/`: health and the login routes are open, everything else needs the password
 * (when one is set) through HTTP Basic or the session cookie.
 */
export function apiPlugin(ctx: WebContext): WebPlugin {
  return async (app) => {
    registerHealthRoute(app, ctx);
    registerAuthRoutes(app, ctx.auth);
    await app.register(async (protectedApp) => {
      protectedApp.addHook("onRequest", ctx.auth.check);
      registerPeopleRoutes(protectedApp, ctx);
      registerCaptureRoutes(protectedApp, ctx);
      registerCameraRoutes(protectedApp, ctx);
      registerSystemRoutes(protectedApp, ctx);
    });
  };
}
