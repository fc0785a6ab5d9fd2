import { PageTitle } from '../components.js';
import { Link } from '../router.js';

export function NotFoundPage() {
  return (
    <>
      <PageTitle title="Page not found">Page not found</PageTitle>
      <p>
        There is no such page in the console. <Link href="/">Go to the books</Link>.
      </p>
    </>
  );
}
