import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { AuthRequired, api, onAuthRequired } from "./api.ts";
import { Cameras } from "./cameras.tsx";
import { ActionsContext, DataContext, type PageActions } from "./context.ts";
import { LoginForm } from "./login.tsx";
import { NoticeArea, useNotices } from "./notices.tsx";
import { People } from "./people.tsx";
import { Timeline } from "./timeline.tsx";
import { usePageData } from "./use-page-data.ts";
import { WhoQueue } from "./who-queue.tsx";

type Auth = "checking" | "login" | "in";

/** A clock for "3 minutes ago" labels, ticking slowly. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function App() {
  const [auth, setAuth] = useState<Auth>("checking");
  // the server asked for a password at least once: offer to sign out
  const [protectedServer, setProtectedServer] = useState(false);
  const [version, setVersion] = useState<string | null>(null);
  const { notices, notify, dismiss } = useNotices();
  const onError = useCallback((message: string) => notify(message, "error"), [notify]);

  useEffect(
    () =>
      onAuthRequired(() => {
        setAuth("login");
        setProtectedServer(true);
      }),
    [],
  );
  useEffect(() => {
    api
      .health()
      .then((h) => setVersion(h.version))
      .catch(() => {});
    api
      .session()
      .then((session) => {
        setProtectedServer(session.password_required);
        setAuth(session.authenticated ? "in" : "login");
      })
      .catch((error) => {
        if (error instanceof AuthRequired) return; // the listener above shows the form
        onError((error as Error).message);
        setAuth("in");
      });
  }, [onError]);

  const { data, refresh } = usePageData(auth === "in", onError);
  const now = useNow(20_000);

  const actions = useMemo<PageActions>(
    () => ({
      notify,
      act: async (done, action) => {
        let ok = false;
        try {
          const result = await action();
          notify(typeof done === "function" ? done(result) : done);
          ok = true;
        } catch (error) {
          if (!(error instanceof AuthRequired)) notify((error as Error).message, "error");
        }
        await refresh();
        return ok;
      },
    }),
    [refresh, notify],
  );

  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      // signed out either way: the next request asks again
    }
    setAuth("login");
  };

  if (auth === "checking") {
    return (
      <main id="main" class="login">
        <p class="muted" role="status">
          Connecting to facegate…
        </p>
      </main>
    );
  }
  if (auth === "login") {
    return (
      <>
        <LoginForm onLoggedIn={() => setAuth("in")} />
        <NoticeArea notices={notices} dismiss={dismiss} />
      </>
    );
  }
  return (
    <DataContext.Provider value={data}>
      <ActionsContext.Provider value={actions}>
        <a class="skip-link" href="#who">
          Skip to "Who is this?"
        </a>
        <header class="top">
          <h1>facegate</h1>
          <nav aria-label="Sections">
            <a href="#cameras">Cameras</a>
            <a href="#who">Who is this?</a>
            <a href="#timeline">Visits</a>
            <a href="#people">People</a>
          </nav>
          {protectedServer && (
            <button type="button" class="quiet" onClick={signOut}>
              Sign out
            </button>
          )}
        </header>
        <main id="main" class="layout">
          <Cameras />
          <WhoQueue now={now} />
          <Timeline now={now} />
          <People now={now} />
        </main>
        <footer class="muted">
          facegate{version ? ` ${version}` : ""} · everything stays on this device
        </footer>
        <NoticeArea notices={notices} dismiss={dismiss} />
      </ActionsContext.Provider>
    </DataContext.Provider>
  );
}
