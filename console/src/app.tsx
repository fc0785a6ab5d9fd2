import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AlertCenter } from './alert-center.js';
import { Api, ApiContext } from './api.js';
import { BookPage } from './pages/book-page.js';
import { BooksPage } from './pages/books-page.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { EndpointsPage } from './pages/endpoints-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { Link, navigate, usePath } from './router.js';
import { session } from './session.js';
import { SignIn } from './sign-in.js';
import { TenantEventsProvider } from './tenant-events.js';

const BOOK = /^\/books\/([^/]+)$/;
const ENDPOINT = /^\/endpoints\/([^/]+)$/;

function Page({ path }: { path: string }) {
  if (path === '/' || path === '/books') return <BooksPage />;
  const book = BOOK.exec(path);
  if (book) return <BookPage bookUuid={decodeURIComponent(book[1] as string)} />;
  if (path === '/endpoints') return <EndpointsPage />;
  const endpoint = ENDPOINT.exec(path);
  if (endpoint) return <EndpointPage id={decodeURIComponent(endpoint[1] as string)} />;
  return <NotFoundPage />;
}

export function App() {
  const [key, setKey] = useState(session.key);
  const [notice, setNotice] = useState<string>();
  const path = usePath();
  const firstPath = useRef(true);
  // After an in-app navigation, focus moves to the new page, as it would on a page load (screen readers follow).
  useEffect(() => {
    if (firstPath.current) firstPath.current = false;
    else document.getElementById('main')?.focus();
  }, [path]);
  const signOut = (message?: string) => {
    session.signOut();
    setNotice(message);
    setKey(null);
  };
  const api = useMemo(
    () =>
      key
        ? new Api(key, (error) => signOut(`Signed out: the API refused the key (${error.detail}). Sign in again.`))
        : null,
    [key],
  );

  if (!api) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(newKey) => {
          session.signIn(newKey);
          setNotice(undefined);
          setKey(newKey);
        }}
      />
    );
  }
  const section = path.startsWith('/endpoints') ? 'endpoints' : 'books';
  return (
    <ApiContext.Provider value={api}>
      <TenantEventsProvider api={api}>
        <a href="#main" class="skip-link">
          Skip to content
        </a>
        <header class="top-bar">
          <Link href="/" class="brand">
            bookbell <span>console</span>
          </Link>
          <nav aria-label="Sections">
            <Link href="/" {...(section === 'books' ? { 'aria-current': 'page' as const } : {})}>
              Books
            </Link>
            <Link href="/endpoints" {...(section === 'endpoints' ? { 'aria-current': 'page' as const } : {})}>
              Endpoints
            </Link>
          </nav>
          <button
            type="button"
            class="button-quiet"
            onClick={() => {
              signOut('Signed out.');
              navigate('/');
            }}
          >
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          <Page path={path} />
        </main>
        <AlertCenter />
      </TenantEventsProvider>
    </ApiContext.Provider>
  );
}
