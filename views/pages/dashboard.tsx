/**
 * @module views/pages/dashboard
 * Landing page: the live table (htmx polling) and links to the rest.
 */
import { Layout } from '../layout.tsx';

export function DashboardPage(p: { user: string; csrf: string; live: unknown }) {
  return (
    <Layout title="Live" user={p.user} csrf={p.csrf} active="live">
      <h1>Live now</h1>
      <section class="card">{p.live}</section>
    </Layout>
  );
}
