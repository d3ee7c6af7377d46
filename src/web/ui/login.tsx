import { useState } from "preact/hooks";
import { ApiError, api } from "./api.ts";
import { useFocusOnMount } from "./focus.ts";

/** Shown when the server wants a password (user `facegate`); the server then keeps a session cookie. */
export function LoginForm({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useFocusOnMount<HTMLInputElement>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(password);
      setPassword("");
      onLoggedIn();
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 0;
      // 429 says how long to wait; other refusals are the server's own words
      setError(status === 401 ? "Wrong password." : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">facegate</h1>
        <p>This facegate asks for its password.</p>
        {/* for password managers: the API's user is always "facegate" */}
        <input type="text" name="username" value="facegate" autocomplete="username" hidden readOnly />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          name="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "login-error" : undefined}
          ref={field}
        />
        {error && (
          <p id="login-error" class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !password}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
