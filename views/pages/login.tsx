/**
 * @module views/pages/login
 * Sign-in form and the first-start setup form (both double-submit CSRF with a pre-session cookie).
 */
import { Layout, Notice } from '../layout.tsx';

export function LoginPage(p: { pre: string; next?: string; error?: string; username?: string }) {
  return (
    <Layout title="Sign in">
      <section class="card login">
        <h1>Sign in</h1>
        <Notice error={p.error} />
        <form method="post" action="/admin/login" class="grid">
          <input type="hidden" name="_csrf" value={p.pre} />
          {p.next && <input type="hidden" name="next" value={p.next} />}
          <label class="wide">User<input name="username" autocomplete="username" value={p.username ?? 'admin'} required /></label>
          <label class="wide">Password<input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}

export function SetupPage(p: { pre: string; token: string; error?: string }) {
  return (
    <Layout title="Set up">
      <section class="card login">
        <h1>Set the admin password</h1>
        <p class="mut small">First start: this creates the user <b>admin</b>. The link works once.</p>
        <Notice error={p.error} />
        <form method="post" action="/admin/setup" class="grid">
          <input type="hidden" name="_csrf" value={p.pre} />
          <input type="hidden" name="token" value={p.token} />
          <label class="wide">New password (10+ characters)<input name="password" type="password" autocomplete="new-password" minlength={10} required /></label>
          <label class="wide">Again<input name="confirm" type="password" autocomplete="new-password" minlength={10} required /></label>
          <button type="submit">Create admin</button>
        </form>
      </section>
    </Layout>
  );
}
