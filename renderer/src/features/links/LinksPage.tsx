export function LinksPage() {
  return <h1>Links</h1>;
}
